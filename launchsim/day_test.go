package launchsim_test

import (
	"context"
	"database/sql"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kos-ops/kos_exporter/launchsim"
	"github.com/kos-ops/kos_exporter/schema"
)

// A whole day runs on a virtual clock: at SPEED 3600 a simulated hour is
// one second of the clock, stepped in quarters, so the test takes as long
// as the database needs for the rows, not a day.
const (
	daySpeed = 3600
	dayStep  = 250 * time.Millisecond // 15 simulated minutes
)

// withinPoisson reports whether count is within 5 standard deviations of
// expected. Arrivals are Poisson, so a count's standard deviation is the
// square root of its expectation; at 5 of them a correct simulator fails
// one comparison in 1.7 million whatever the seed, while a day shaped
// wrongly (an hour off, the burst missing) misses the busy hours by many
// more.
func withinPoisson(count, expected float64) bool {
	return math.Abs(count-expected) <= 5*math.Sqrt(max(expected, 1))
}

// startDay is a run of a plan on its own database, on a virtual clock that
// starts at real time start.
func startDay(t *testing.T, plan launchsim.LaunchPlan, seed uint64, start time.Time, opt launchsim.Options) (*run, *launchsim.Sim) {
	t.Helper()
	db := openDB(t)
	c := &clock{now: start}
	opt.Seed, opt.Speed, opt.Plan, opt.Now, opt.Schema = seed, daySpeed, &plan, c.Now, schema.InProcess
	sim, err := launchsim.New(context.Background(), db, opt)
	if err != nil {
		t.Fatal(err)
	}
	return &run{sim: sim, clock: c, db: db}, sim
}

// stepSim advances the run by simulated time d, a step per dayStep.
func (r *run) stepSim(t *testing.T, d time.Duration) {
	t.Helper()
	for end := r.clock.now.Add(d / daySpeed); r.clock.now.Before(end); {
		r.clock.now = r.clock.now.Add(dayStep)
		if err := r.sim.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func sum(t *testing.T, db *sql.DB, query string, args ...any) float64 {
	t.Helper()
	var n sql.NullFloat64
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n.Float64
}

// declaredPlan is the shipped plan's figures as plans/default.yaml states
// them, read apart from the package so the test does not check the
// simulator against its own arithmetic.
type declaredPlan struct {
	Activations float64 `yaml:"activations"`
	Preorders   struct {
		Count  float64       `yaml:"count"`
		Window time.Duration `yaml:"window"`
	} `yaml:"preorders"`
	Ports struct {
		MarketDaily float64 `yaml:"market_daily"`
		InShare     float64 `yaml:"in_share"`
		OutShare    float64 `yaml:"out_share"`
	} `yaml:"ports"`
	Hourly []float64 `yaml:"hourly"`
}

// readDeclared reads plans/default.yaml scaled to n activations a day.
func readDeclared(t *testing.T, n float64) declaredPlan {
	t.Helper()
	b, err := os.ReadFile("plans/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var d declaredPlan
	if err := yaml.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	f := n / d.Activations
	d.Activations, d.Preorders.Count, d.Ports.MarketDaily = n, d.Preorders.Count*f, d.Ports.MarketDaily*f
	if len(d.Hourly) != 24 || d.Preorders.Window > time.Hour {
		t.Fatalf("plans/default.yaml: %d hourly weights, pre-order window %s; the test assumes 24 and at most 1h", len(d.Hourly), d.Preorders.Window)
	}
	return d
}

// walkIns is the expected walk-in activations of hour h after the opening.
func (d declaredPlan) walkIns(h int) float64 {
	var sum float64
	for _, w := range d.Hourly {
		sum += w
	}
	return (d.Activations - d.Preorders.Count) * d.Hourly[h] / sum
}

// TestDayFollowsPlan plays the shipped plan's launch day and compares each
// simulated hour's activation requests (activation_daily, what the hourly
// results table is cut from) and the day's port-ins and port-outs with the
// plan; the pre-orders must land in the window after the opening.
func TestDayFollowsPlan(t *testing.T) {
	t.Parallel()
	const daily = 4000
	plan, d := launchsim.DefaultPlan().WithActivations(daily), readDeclared(t, daily)
	r, _ := startDay(t, plan, 9, time.Now(), launchsim.Options{})
	requested := func() float64 { return sum(t, r.db, "SELECT SUM(requested) FROM activation_daily") }

	window := d.Preorders.Window
	r.stepSim(t, window)
	// All pre-orders, and the walk-ins of that part of the first hour.
	if got, want := requested(), d.Preorders.Count+d.walkIns(0)*window.Hours(); !withinPoisson(got, want) {
		t.Errorf("first %s after the opening: %g activation requests, want %.0f (%.0f pre-orders, then walk-ins)", window, got, want, d.Preorders.Count)
	}
	r.stepSim(t, time.Hour-window)
	prev := 0.0
	for h := range 24 {
		if h > 0 {
			r.stepSim(t, time.Hour)
		}
		want := d.walkIns(h)
		if h == 0 {
			want += d.Preorders.Count
		}
		got := requested()
		if !withinPoisson(got-prev, want) {
			t.Errorf("simulated hour %2d after the opening: %g activation requests, want %.0f", h, got-prev, want)
		}
		prev = got
	}
	for direction, share := range map[string]float64{"in": d.Ports.InShare, "out": d.Ports.OutShare} {
		want := d.Ports.MarketDaily * share
		if got := sum(t, r.db, "SELECT SUM(requested) FROM mnp_daily WHERE direction = '"+direction+"'"); !withinPoisson(got, want) {
			t.Errorf("port-%ss of the day: %g, want %.0f (the plan's share of the market)", direction, got, want)
		}
	}
}

// TestClockStartsAtOpening: whatever the time of day the process starts,
// the simulated clock reads the plan's opening of that day (08:00 in
// Seoul), runs SPEED times faster, and the traffic follows it; --start
// (Options.Start) moves it.
func TestClockStartsAtOpening(t *testing.T) {
	t.Parallel()
	seoul := launchsim.DefaultPlan().Location()
	day := func(h, m int) time.Time { return time.Date(2026, 9, 20, h, m, 0, 0, seoul) }
	opening := day(8, 0)
	const steps = 4 // an hour of the day
	plan := launchsim.DefaultPlan().WithActivations(2000)
	requestsAfter := func(t *testing.T, processStart time.Time, opt launchsim.Options) (clockAtStart time.Time, requests float64) {
		r, sim := startDay(t, plan, 3, processStart, opt)
		clockAtStart = sim.Clock()
		r.stepSim(t, steps*dayStep*daySpeed)
		if got, want := sim.Clock(), clockAtStart.Add(steps*dayStep*daySpeed); !got.Equal(want) {
			t.Errorf("after %s of real time at speed %d the clock reads %s, want %s", steps*dayStep, daySpeed, got, want)
		}
		return clockAtStart, sum(t, r.db, "SELECT SUM(requested) FROM activation_daily")
	}
	_, atOpening := requestsAfter(t, opening, launchsim.Options{})
	if atOpening == 0 {
		t.Fatal("no activations in the first hour")
	}
	for _, tc := range []struct {
		name         string
		processStart time.Time
		start        time.Time // Options.Start
		clock        time.Time
		sameTraffic  bool // as a run started at the opening
	}{
		{"at night", day(0, 30), time.Time{}, opening, true},
		{"a second before the opening", day(7, 59).Add(59 * time.Second), time.Time{}, opening, true},
		{"in the afternoon", day(15, 37), time.Time{}, opening, true},
		{"just before midnight", day(23, 59), time.Time{}, opening, true},
		{"in UTC terms the day before", time.Date(2026, 9, 19, 22, 0, 0, 0, time.UTC), time.Time{}, opening, true},
		{"--start 14:00", day(9, 0), day(14, 0), day(14, 0), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock, requests := requestsAfter(t, tc.processStart, launchsim.Options{Start: tc.start})
			if !clock.Equal(tc.clock) {
				t.Errorf("process started %s: simulated clock %s, want %s", tc.processStart, clock, tc.clock)
			}
			if (requests == atOpening) != tc.sameTraffic {
				t.Errorf("first simulated hour: %g activation requests, %g when started at the opening; want the same: %v", requests, atOpening, tc.sameTraffic)
			}
		})
	}
}

// TestProductPathsFollowKind runs plans whose activations are all of one
// kind and channel: 우수 기변 (premium device change) only for device
// changes, 패드개통 (tablet activation) never for port-ins, 스마트 개통 only
// online, MNP requests and KAIT's portability clearing only for port-ins.
func TestProductPathsFollowKind(t *testing.T) {
	t.Parallel()
	shipped, err := os.ReadFile("plans/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const (
		kinds    = "kinds: {device_change: 0.60, new: 0.40}"
		channels = "channels: {retail_store: 0.60, online: 0.30, telesales: 0.10}"
		ports    = "  market_daily: 36987\n  in_share: 0.18"
	)
	for _, tc := range []struct {
		name    string
		edits   map[string]string // shipped line → replacement
		present []string          // paths taken
		absent  []string          // paths never taken
	}{
		{"new lines online", map[string]string{kinds: "kinds: {new: 1}", channels: "channels: {online: 1}", ports: "  market_daily: 36987\n  in_share: 0"},
			[]string{"tablet_activation", "smart_activation", "rate_plan", "ott"}, []string{"premium_device_change", "mnp_in", "kait_clearing"}},
		{"device changes in stores", map[string]string{kinds: "kinds: {device_change: 1}", channels: "channels: {retail_store: 1}", ports: "  market_daily: 36987\n  in_share: 0"},
			[]string{"premium_device_change", "tablet_activation", "addon"}, []string{"smart_activation", "mnp_in", "kait_clearing"}},
		{"port-ins online", map[string]string{channels: "channels: {online: 1}", ports: "  market_daily: 20000\n  in_share: 1"},
			[]string{"smart_activation", "mnp_in", "kait_clearing"}, []string{"premium_device_change", "tablet_activation"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			text := string(shipped)
			for old, repl := range tc.edits {
				if !strings.Contains(text, old) {
					t.Fatalf("plans/default.yaml has no %q", old)
				}
				text = strings.Replace(text, old, repl, 1)
			}
			plan, err := launchsim.ParsePlan([]byte(text), tc.name)
			if err != nil {
				t.Fatal(err)
			}
			r, _ := startDay(t, plan.WithActivations(2000), 5, time.Now(), launchsim.Options{})
			r.stepSim(t, 2*time.Hour)
			taken := map[string]float64{
				"mnp_in":        sum(t, r.db, "SELECT SUM(requested) FROM mnp_daily WHERE direction = 'in'"),
				"kait_clearing": sum(t, r.db, "SELECT SUM(ok + error + timeout) FROM agency_call_daily WHERE agency = 'kait' AND operation = 'mnp_clearing'"),
			}
			for _, p := range append(slices.Clone(tc.present), tc.absent...) {
				if _, ok := taken[p]; !ok {
					taken[p] = sum(t, r.db, "SELECT SUM(ok + failed) FROM product_call_daily WHERE product = '"+p+"'")
				}
			}
			for _, p := range tc.present {
				if taken[p] == 0 {
					t.Errorf("%s: never taken", p)
				}
			}
			for _, p := range tc.absent {
				if taken[p] != 0 {
					t.Errorf("%s: taken %g times", p, taken[p])
				}
			}
		})
	}
}
