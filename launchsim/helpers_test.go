package launchsim_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/result"
	"github.com/kos-ops/kos_exporter/exporter/sqlrun"
	"github.com/kos-ops/kos_exporter/internal/mysqltest"
	"github.com/kos-ops/kos_exporter/launchsim"
	"github.com/kos-ops/kos_exporter/schema"
)

// loadCollectors parses the shipped collectors.yaml with the exporter's own
// loader (no environment needed: Parse leaves ${KOS_DSN} unexpanded).
func loadCollectors(t testing.TB) []*config.Collector {
	t.Helper()
	return loadCollectorsFile(t, "collectors.yaml")
}

// loadCollectorsFile parses a collectors file of the repository's root.
func loadCollectorsFile(t testing.TB, name string) []*config.Collector {
	t.Helper()
	b, err := os.ReadFile("../" + name)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(b, name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return cfg.Collectors
}

// series maps "metric{label=value,...}" (const labels left out) to its
// value; histograms yield cumulative "_bucket" series and "_sum".
type series map[string]float64

// byMetric groups series by metric name.
func (s series) byMetric() map[string]series {
	out := map[string]series{}
	for k, v := range s {
		name, _, _ := strings.Cut(k, "{")
		name = strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum")
		if out[name] == nil {
			out[name] = series{}
		}
		out[name][k] = v
	}
	return out
}

// collect runs every collector's query and maps the rows with the
// exporter's own mapper, failing the test on a query error, a missing column
// or any skipped value (the shipped queries COALESCE every value).
func collect(t *testing.T, db *sql.DB, cs []*config.Collector) series {
	t.Helper()
	out := series{}
	for _, c := range cs {
		mapped := mapRows(t, db, c)
		for skip, n := range mapped.Skipped {
			t.Fatalf("collector %s: %d values skipped: %+v", c.Name, n, skip)
		}
		for i, f := range mapped.Families {
			constant := c.Metrics[i].ConstLabels
			for _, m := range f.All() {
				var labels []string
				for _, l := range m.Label {
					if _, ok := constant[l.GetName()]; !ok {
						labels = append(labels, l.GetName()+"="+l.GetValue())
					}
				}
				key := func(name string, extra ...string) string {
					return name + "{" + strings.Join(append(slices.Clone(labels), extra...), ",") + "}"
				}
				switch {
				case m.Histogram != nil:
					for _, b := range m.Histogram.Bucket {
						out[key(f.Name+"_bucket", fmt.Sprintf("le=%g", b.GetUpperBound()))] += float64(b.GetCumulativeCount())
					}
					out[key(f.Name+"_sum")] += m.Histogram.GetSampleSum()
				case m.Counter != nil:
					out[key(f.Name)] += m.Counter.GetValue()
				default:
					out[key(f.Name)] += m.Gauge.GetValue()
				}
			}
		}
	}
	return out
}

// mapRows runs c's query on db and maps its rows; a since_midnight
// collector runs as the exporter counts its day, in two parts at the
// database's time: the base (midnight to now − margin) and the recent part
// (from there to the next midnight), added.
func mapRows(t testing.TB, db *sql.DB, c *config.Collector) *result.Result {
	t.Helper()
	if c.SinceMidnight == nil {
		return mapQuery(t, db, c, c.SQL)
	}
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now, err := sqlrun.DatabaseNow(ctx, conn)
	conn.Close()
	if err != nil {
		t.Fatalf("collector %s: %v", c.Name, err)
	}
	from, mark := sqlrun.BaseRange(now, c.SinceMidnight.Margin)
	base := mapQuery(t, db, c, sqlrun.BindRange(c, from, mark))
	from, to := sqlrun.RecentRange(now, mark)
	return result.Sum(base, mapQuery(t, db, c, sqlrun.BindRange(c, from, to)))
}

func mapQuery(t testing.TB, db *sql.DB, c *config.Collector, q string) *result.Result {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("collector %s: %v", c.Name, err)
	}
	defer rows.Close()
	mapped, err := sqlrun.MapRows(context.Background(), c, rows)
	if err != nil {
		t.Fatalf("collector %s: %v", c.Name, err)
	}
	return mapped
}

// openDB returns a fresh database for one test, connected as
// kos_launchsim connects.
func openDB(t *testing.T) *sql.DB {
	t.Helper()
	return mysqltest.New(t).OpenInterpolated(t)
}

// clock is a settable time source; the simulator reads it only in Step and
// SetSwitch, which the tests call from one goroutine.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

type run struct {
	sim   *launchsim.Sim
	clock *clock
	db    *sql.DB
}

// Test volume: small enough for -race, big enough that every flow happens.
const (
	testDaily = 1500
	testStep  = 10 * time.Second
)

// window returns a start and end for runs that end about now: the database's
// real NOW() must not be earlier than the rows' timestamps.
func window(d time.Duration) (start, end time.Time) {
	end = time.Now().Truncate(time.Second)
	return end.Add(-d), end
}

func newRun(t *testing.T, db *sql.DB, seed uint64, start time.Time, retention time.Duration, schedule ...launchsim.Action) *run {
	t.Helper()
	c := &clock{now: start}
	sim, err := launchsim.New(context.Background(), db, launchsim.Options{
		Seed: seed, Plan: testPlan(), Now: c.Now, Retention: retention, Schedule: schedule, Schema: schema.InProcess,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &run{sim: sim, clock: c, db: db}
}

// stepTo steps the simulator every testStep until the clock reaches until.
func (r *run) stepTo(t *testing.T, until time.Time) {
	t.Helper()
	for r.clock.now.Before(until) {
		r.clock.now = r.clock.now.Add(testStep)
		if err := r.sim.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// testPlan is the shipped plan at the test volume.
func testPlan() *launchsim.LaunchPlan {
	p := launchsim.DefaultPlan().WithActivations(testDaily)
	return &p
}

func sortedKeys[M ~map[string]V, V any](m M) []string { return slices.Sorted(maps.Keys(m)) }
