package launchsim_test

import (
	"context"
	"database/sql"
	"maps"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/internal/mysqltest"
	"github.com/kos-ops/kos_exporter/launchsim"
	"github.com/kos-ops/kos_exporter/schema"
)

func TestClockZone(t *testing.T) {
	for _, c := range []struct {
		now   string
		clock time.Duration
		want  string
	}{
		{"2026-11-30T02:45:30Z", 9 * time.Hour, "+06:15"},
		{"2026-11-30T09:00:00Z", 9 * time.Hour, "+00:00"},
		{"2026-11-30T22:10:00Z", 8*time.Hour + 30*time.Minute, "+10:20"},
		{"2026-11-30T02:00:00Z", 20 * time.Hour, "-06:00"},
		{"2026-11-30T08:00:00+09:00", 8 * time.Hour, "+09:00"},
		{"2026-11-30T21:00:00Z", 9 * time.Hour, "-12:00"},
	} {
		now, err := time.Parse(time.RFC3339, c.now)
		if err != nil {
			t.Fatal(err)
		}
		if got := launchsim.ClockZone(now, c.clock); got != c.want {
			t.Errorf("ClockZone(%s, %s) = %s, want %s", c.now, c.clock, got, c.want)
		}
	}
}

// Load's day: two days of history and the launch day's first hour, read
// at 09:00 in the session's time zone.
const (
	loadDays  = 2
	loadClock = 9 * time.Hour
)

// TestLoad fills a database with Load and checks the volumes against the
// plan, that the daily totals are the sums of the rows, that what is
// pending is what cannot have finished yet, that the indexes are back, and
// that collectors-live.yaml reports what collectors.yaml does on it.
func TestLoad(t *testing.T) {
	t.Parallel()
	// A whole minute, so that the session's clock reads exactly 09:00 and
	// the rows' times of day do not depend on when the test runs.
	now := time.Now().Truncate(time.Minute)
	plan := testPlan()
	db, _ := openZoned(t, launchsim.ClockZone(now, loadClock))
	st, err := launchsim.Load(context.Background(), db, launchsim.Options{
		Seed: 3, Plan: plan, Now: func() time.Time { return now }, Start: plan.Opening(now).Add(loadClock - 8*time.Hour),
	}, launchsim.History{Days: loadDays, Conns: loadConns()})
	if err != nil {
		t.Fatal(err)
	}
	from, to := -loadDays*24*time.Hour, time.Hour // after the launch opening
	expected := plan.Expected(from, to)
	activations := sum(t, db, "SELECT COUNT(*) FROM activation")

	t.Run("volumes follow the plan", func(t *testing.T) {
		if float64(st.Rows["activation"]) != activations {
			t.Errorf("LoadStats says %d activations, the table holds %g", st.Rows["activation"], activations)
		}
		if !withinPoisson(activations, expected) {
			t.Errorf("activations: %g, plan %.0f", activations, expected)
		}
		// The launch day's first hour, 08:00-09:00 on the session's clock.
		if got, want := sum(t, db, "SELECT COUNT(*) FROM activation WHERE requested_at >= CURDATE() + INTERVAL 8 HOUR"), plan.Expected(0, to); !withinPoisson(got, want) {
			t.Errorf("activations since the opening: %g, plan %.0f", got, want)
		}
		in, out := plan.Ports()
		if got, want := sum(t, db, "SELECT COUNT(*) FROM mnp_request WHERE direction = 'out'"), expected*out/plan.Activations(); !withinPoisson(got, want) {
			t.Errorf("port-outs: %g, plan %.0f", got, want)
		}
		if got, want := sum(t, db, "SELECT COUNT(*) FROM activation WHERE kind = 'port_in'"), expected*in/plan.Activations(); !withinPoisson(got, want) {
			t.Errorf("port-ins: %g, plan %.0f", got, want)
		}
		if calls := sum(t, db, "SELECT COUNT(*) FROM agency_call"); calls < 2*activations {
			t.Errorf("%g agency calls for %g activations, want at least 2 each (identity check and more)", calls, activations)
		}
	})

	t.Run("daily totals are the rows' sums", func(t *testing.T) {
		for _, c := range []struct{ daily, rows string }{
			{"SELECT SUM(requested) FROM activation_daily", "SELECT COUNT(*) FROM activation"},
			{"SELECT SUM(completed) FROM activation_daily", "SELECT COUNT(*) FROM activation WHERE state = 'completed'"},
			{"SELECT SUM(failed) FROM activation_daily", "SELECT COUNT(*) FROM activation WHERE state = 'failed'"},
			{"SELECT SUM(insured) FROM activation_daily", "SELECT COUNT(*) FROM insurance_signup"},
			{"SELECT SUM(requested) FROM mnp_daily", "SELECT COUNT(*) FROM mnp_request"},
			{"SELECT SUM(opening_failed) FROM mnp_daily", "SELECT COUNT(*) FROM mnp_request WHERE opening_state = 'failed'"},
			{"SELECT SUM(ok + error + timeout) FROM agency_call_daily", "SELECT COUNT(*) FROM agency_call"},
			{"SELECT SUM(error) FROM agency_call_daily", "SELECT COUNT(*) FROM agency_call WHERE result = 'error'"},
			{"SELECT SUM(ok + failed) FROM product_call_daily", "SELECT COUNT(*) FROM product_call"},
			{"SELECT SUM(served) FROM wait_queue_daily", "SELECT COUNT(*) FROM wait_queue WHERE state = 'served'"},
			{"SELECT SUM(requested) FROM ota_daily", "SELECT COUNT(*) FROM ota_update"},
			{"SELECT SUM(enqueued) FROM error_queue_daily", "SELECT COUNT(*) FROM error_queue"},
			{"SELECT SUM(reprocessed_ok) FROM error_queue_daily", "SELECT COUNT(*) FROM error_queue WHERE state = 'resolved'"},
		} {
			if d, r := sum(t, db, c.daily), sum(t, db, c.rows); d != r || d == 0 {
				t.Errorf("%s = %g, %s = %g; want equal and not 0", c.daily, d, c.rows, r)
			}
		}
	})

	t.Run("pending is what cannot have finished", func(t *testing.T) {
		// The load's now: 09:00 on the session's clock.
		const now = "(CURDATE() + INTERVAL 9 HOUR)"
		for _, c := range []struct {
			what, pending, stale string
			rare                 bool // a short delay: at the test volume none may be pending
		}{
			// An activation takes at most 20 minutes, an opening message 4,
			// an OTA update 100 s; nothing finishes after now.
			{"activations", "SELECT COUNT(*) FROM activation WHERE state = 'in_progress'", "SELECT COUNT(*) FROM activation WHERE state = 'in_progress' AND requested_at < " + now + " - INTERVAL 20 MINUTE", false},
			{"opening messages", "SELECT COUNT(*) FROM mnp_request WHERE opening_state = 'pending'", "SELECT COUNT(*) FROM mnp_request WHERE opening_state = 'pending' AND requested_at < " + now + " - INTERVAL 4 MINUTE", false},
			{"OTA updates", "SELECT COUNT(*) FROM ota_update WHERE state = 'pending'", "SELECT COUNT(*) FROM ota_update WHERE state = 'pending' AND requested_at < " + now + " - INTERVAL 100 SECOND", true},
			{"finished in the future", "SELECT 1", "SELECT COUNT(*) FROM activation WHERE finished_at > " + now, false},
		} {
			if p, s := sum(t, db, c.pending), sum(t, db, c.stale); (p == 0 && !c.rare) || s != 0 {
				t.Errorf("%s: %g pending, %g older than they can be; want some, and none too old", c.what, p, s)
			}
		}
	})

	t.Run("indexes are created again", func(t *testing.T) {
		for table, want := range map[string][]string{
			"activation":  {"PRIMARY", "activation_finished", "activation_requested", "activation_state"},
			"agency_call": {"PRIMARY", "agency_call_label", "agency_call_time"},
		} {
			_, rows := mysqltest.Rows(t, db, "SELECT DISTINCT index_name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? ", table)
			var got []string
			for _, r := range rows {
				got = append(got, r[0].String)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("indexes of %s: %v, want %v", table, got, want)
			}
		}
	})

	t.Run("live collectors match the summary tables", func(t *testing.T) {
		liveMatchesSummary(t, db)
	})

	// The call counters read listed label values by range; a value not
	// listed must still be counted (by the complement branch), and only
	// today's rows of it.
	t.Run("unlisted call labels are counted", func(t *testing.T) {
		counters := map[string]bool{"agency_calls": true, "product_calls": true}
		var cs []*config.Collector
		for _, c := range loadCollectorsFile(t, "collectors-live.yaml") {
			if counters[c.Name] {
				cs = append(cs, c)
			}
		}
		before := collect(t, db, cs)
		for _, q := range []string{
			"INSERT INTO agency_call (id, called_at, agency, operation, result, latency_seconds) SELECT MAX(id) + 1, CURDATE() + INTERVAL 8 HOUR, 'newco', 'identity_check', 'ok', 0.2 FROM agency_call",
			"INSERT INTO agency_call (id, called_at, agency, operation, result, latency_seconds) SELECT MAX(id) + 1, CURDATE() - INTERVAL 1 HOUR, 'newco', 'identity_check', 'ok', 0.2 FROM agency_call",
			"INSERT INTO agency_call (id, called_at, agency, operation, result, latency_seconds) SELECT MAX(id) + 1, CURDATE() + INTERVAL 8 HOUR, 'kait', 'new_check', 'error', 0.2 FROM agency_call",
			"INSERT INTO agency_call (id, called_at, agency, operation, result, latency_seconds) SELECT MAX(id) + 1, CURDATE() + INTERVAL 8 HOUR, 'sgi', 'guarantee_issue', 'ok', 0.2 FROM agency_call",
			"INSERT INTO product_call (id, called_at, product, operation, result) SELECT MAX(id) + 1, CURDATE() + INTERVAL 8 HOUR, 'new_plan', 'change', 'failed' FROM product_call",
			"INSERT INTO product_call (id, called_at, product, operation, result) SELECT MAX(id) + 1, CURDATE() + INTERVAL 8 HOUR, 'addon', 'subscribe', 'ok' FROM product_call",
		} {
			if _, err := db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		want := maps.Clone(before)
		for k, add := range map[string]float64{
			"kos_agency_calls_total{agency=newco,operation=identity_check,result=ok}":      1,
			"kos_agency_calls_total{agency=newco,operation=identity_check,result=error}":   0,
			"kos_agency_calls_total{agency=newco,operation=identity_check,result=timeout}": 0,
			"kos_agency_calls_total{agency=kait,operation=new_check,result=ok}":            0,
			"kos_agency_calls_total{agency=kait,operation=new_check,result=error}":         1,
			"kos_agency_calls_total{agency=kait,operation=new_check,result=timeout}":       0,
			"kos_agency_calls_total{agency=sgi,operation=guarantee_issue,result=ok}":       1,
			"kos_product_calls_total{operation=change,product=new_plan,result=ok}":         0,
			"kos_product_calls_total{operation=change,product=new_plan,result=failed}":     1,
			"kos_product_calls_total{operation=subscribe,product=addon,result=ok}":         1,
		} {
			want[k] += add
		}
		if got := collect(t, db, cs); !maps.Equal(got, want) {
			t.Errorf("after the unlisted calls:\ngot  %v\nwant %v", got, want)
		}
	})
}

// TestLiveSimulatorKeepsWhatLiveCollectorsCount: with --retention, the live
// simulator keeps finished rows and writes the call logs, so
// collectors-live.yaml reports on it what collectors.yaml does.
func TestLiveSimulatorKeepsWhatLiveCollectorsCount(t *testing.T) {
	t.Parallel()
	// The opening 90 minutes ago on the session's clock, which reads 09:30.
	start, end := window(90 * time.Minute)
	db, real := openZoned(t, launchsim.ClockZone(end, 9*time.Hour+30*time.Minute))
	variant := schema.InProcess // as kos_launchsim serves it
	if real {
		variant = schema.Full // collectors-live.yaml names its indexes
	}
	c := &clock{now: start}
	sim, err := launchsim.New(context.Background(), db, launchsim.Options{
		Seed: 5, Plan: testPlan(), Now: c.Now, Start: start, Retention: 48 * time.Hour, Schema: variant,
	})
	if err != nil {
		t.Fatal(err)
	}
	for c.now.Before(end) {
		c.now = c.now.Add(30 * time.Second)
		if err := sim.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range []string{"agency_call", "product_call", "activation WHERE finished_at IS NOT NULL"} {
		if n := sum(t, db, "SELECT COUNT(*) FROM "+table); n == 0 {
			t.Fatalf("nothing in %s: the comparison would prove little", table)
		}
	}
	liveMatchesSummary(t, db)
}

// TestLiveCollectorsShareGauges: the live variant differs from
// collectors.yaml only in its counters' queries.
func TestLiveCollectorsShareGauges(t *testing.T) {
	summary := map[string]*config.Collector{}
	for _, c := range loadCollectors(t) {
		summary[c.Name] = c
	}
	live := loadCollectorsFile(t, "collectors-live.yaml")
	if len(live) != len(summary) {
		t.Errorf("collectors-live.yaml has %d collectors, collectors.yaml %d", len(live), len(summary))
	}
	for _, l := range live {
		s := summary[l.Name]
		switch {
		case s == nil:
			t.Errorf("collector %s is not in collectors.yaml", l.Name)
		case strings.Contains(s.SQL, "_daily"):
			if strings.Contains(l.SQL, "_daily") {
				t.Errorf("collector %s reads a daily table", l.Name)
			}
			if !reflect.DeepEqual(unplaced(s, false), unplaced(l, false)) {
				t.Errorf("collector %s: metrics differ from collectors.yaml", l.Name)
			}
			if l.Interval != liveCounterInterval || l.SinceMidnight == nil {
				t.Errorf("collector %s: interval %s, since_midnight %v; want %s and since_midnight, so that rate(...[1m]) has 15 s counters", l.Name, l.Interval, l.SinceMidnight, liveCounterInterval)
			}
		case !reflect.DeepEqual(unplaced(s, true), unplaced(l, true)):
			t.Errorf("collector %s: differs from collectors.yaml, which it should copy", l.Name)
		}
	}
}

// liveCounterInterval is how often collectors-live.yaml's counters run:
// the day up to a mark is counted every settle period, the rest every run.
const liveCounterInterval = 15 * time.Second

// unplaced is c without its positions in the file, and without its query
// and schedule (and how its query's rows combine) unless withSQL.
func unplaced(c *config.Collector, withSQL bool) config.Collector {
	out := *c
	out.Pos = config.Pos{}
	if !withSQL {
		out.SQL, out.Interval, out.Staleness, out.SinceMidnight, out.SumDuplicates = "", 0, 0, nil, false
	}
	out.Metrics = nil
	for _, m := range c.Metrics {
		m := *m
		m.Pos = config.Pos{}
		out.Metrics = append(out.Metrics, &m)
	}
	return out
}

// loadConns is Load's connections: one on the in-process server.
func loadConns() int {
	if os.Getenv(mysqltest.EnvDSN) == "" {
		return 1
	}
	return 0
}

// openZoned returns a fresh database whose sessions use time zone zone,
// and whether it is on a real MySQL/MariaDB.
func openZoned(t *testing.T, zone string) (*sql.DB, bool) {
	t.Helper()
	test := mysqltest.New(t)
	cfg, err := mysql.ParseDSN(test.DSN)
	if err != nil {
		t.Fatal(err)
	}
	cfg.InterpolateParams = true
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'" + zone + "'"
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, test.Real
}

// liveMatchesSummary checks that collectors-live.yaml reports on db what
// collectors.yaml does: the same series with the same values.
func liveMatchesSummary(t *testing.T, db *sql.DB) {
	t.Helper()
	summary, live := collect(t, db, loadCollectors(t)), collect(t, db, loadCollectorsFile(t, "collectors-live.yaml"))
	if s, l := sortedKeys(summary.byMetric()), sortedKeys(live.byMetric()); !slices.Equal(s, l) {
		t.Fatalf("metrics differ:\nsummary %v\nlive    %v", s, l)
	}
	if got := summary["kos_activation_requests_total{channel=retail_store,kind=port_in,model=nova_x_pro}"]; got == 0 {
		t.Fatal("no port-in requests today: the comparison would prove nothing")
	}
	if s, l := sortedKeys(summary), sortedKeys(live); !slices.Equal(s, l) {
		t.Fatalf("series differ:\nsummary %v\nlive    %v", s, l)
	}
	for k, want := range summary {
		got := live[k]
		switch {
		case strings.Contains(k, "_age_seconds"):
			// NOW() moved between the two runs.
			if math.Abs(got-want) > 60 {
				t.Errorf("%s: live %g, summary %g", k, got, want)
			}
		case strings.HasPrefix(k, "kos_error_queue_reprocess_attempts_total") && strings.Contains(k, "result=failed"):
			// Live counts an item's failed attempts on the day it was queued.
		case math.Abs(got-want) > 1e-9*math.Abs(want):
			t.Errorf("%s: live %g, summary %g", k, got, want)
		}
	}
}
