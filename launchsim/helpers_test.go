package launchsim_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"gopkg.in/yaml.v3"

	"github.com/kos-ops/kos_exporter/internal/memsql"
	"github.com/kos-ops/kos_exporter/launchsim"
	"github.com/kos-ops/kos_exporter/schema"
)

// The parts of collectors.yaml these tests need; the exporter's own config
// package is the real loader.
type collectorsFile struct {
	Collectors []collectorDef `yaml:"collectors"`
}

type collectorDef struct {
	Name    string      `yaml:"name"`
	SQL     string      `yaml:"sql"`
	Metrics []metricDef `yaml:"metrics"`
}

type metricDef struct {
	Name         string    `yaml:"name"`
	Type         string    `yaml:"type"`
	Labels       []string  `yaml:"labels"`
	Value        string    `yaml:"value"`
	Values       []string  `yaml:"values"`
	ValueLabel   string    `yaml:"value_label"`
	BucketColumn string    `yaml:"bucket_column"`
	Buckets      []float64 `yaml:"buckets"`
	Sum          string    `yaml:"sum"`
}

// columns lists every column the metric reads.
func (m metricDef) columns() []string {
	cols := slices.Clone(m.Labels)
	if m.Value != "" {
		cols = append(cols, m.Value)
	}
	cols = append(cols, m.Values...)
	if m.Type == "histogram" {
		cols = append(cols, m.bucketColumn(), m.Sum)
	}
	return cols
}

func (m metricDef) bucketColumn() string {
	if m.BucketColumn == "" {
		return "le"
	}
	return m.BucketColumn
}

func loadCollectors(t *testing.T) []collectorDef {
	t.Helper()
	b, err := os.ReadFile("../collectors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f collectorsFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("collectors.yaml: %v", err)
	}
	if len(f.Collectors) == 0 {
		t.Fatal("collectors.yaml has no collectors")
	}
	return f.Collectors
}

// series maps "metric{label=value,...}" to its value; histograms yield
// per-bucket "_bucket" series (not cumulative) and "_sum".
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

// collect runs every collector and maps its rows the way collectors.yaml
// declares, failing the test on a query error or a missing column.
func collect(t *testing.T, db *sql.DB, cs []collectorDef) series {
	t.Helper()
	out := series{}
	for _, c := range cs {
		rows := query(t, db, c)
		for _, m := range c.Metrics {
			for _, r := range rows {
				for _, col := range m.columns() {
					if _, ok := r[col]; !ok {
						t.Fatalf("collector %s: metric %s reads column %q the query does not return", c.Name, m.Name, col)
					}
				}
				var labels []string
				for _, l := range m.Labels {
					labels = append(labels, l+"="+r[l])
				}
				switch {
				case m.Type == "histogram":
					out.put(t, m.Name+"_bucket", append(labels, "le="+r[m.bucketColumn()]), r[m.Value])
					out.put(t, m.Name+"_sum", append(labels, "le="+r[m.bucketColumn()]), r[m.Sum])
				case len(m.Values) > 0:
					for _, v := range m.Values {
						out.put(t, m.Name, append(slices.Clone(labels), m.ValueLabel+"="+v), r[v])
					}
				default:
					out.put(t, m.Name, labels, r[m.Value])
				}
			}
		}
	}
	return out
}

func (s series) put(t *testing.T, name string, labels []string, raw string) {
	t.Helper()
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		t.Fatalf("%s%v: value %q: %v", name, labels, raw, err)
	}
	slices.Sort(labels)
	s[name+"{"+strings.Join(labels, ",")+"}"] += v
}

// query returns the collector's rows as column → text; NULL fails the test
// (the shipped queries COALESCE every value).
func query(t *testing.T, db *sql.DB, c collectorDef) []map[string]string {
	t.Helper()
	rows, err := db.Query(c.SQL)
	if err != nil {
		t.Fatalf("collector %s: %v", c.Name, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("collector %s: %v", c.Name, err)
		}
		r := map[string]string{}
		for i, col := range cols {
			if !vals[i].Valid {
				t.Fatalf("collector %s: column %s is NULL", c.Name, col)
			}
			r[col] = vals[i].String
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("collector %s: %v", c.Name, err)
	}
	return out
}

// openGMS starts an in-process server for one test.
func openGMS(t *testing.T) *sql.DB {
	t.Helper()
	srv, err := memsql.Start("127.0.0.1:0", "kos")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return openDSN(t, srv.DSN())
}

func openDSN(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.InterpolateParams = true
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
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

func newRun(t *testing.T, db *sql.DB, seed uint64, start time.Time, schedule ...launchsim.Action) *run {
	t.Helper()
	c := &clock{now: start}
	sim, err := launchsim.New(context.Background(), db, launchsim.Options{
		Seed: seed, DailyActivations: testDaily, Now: c.Now, Schedule: schedule, Schema: schema.PrimaryKeysOnly,
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

// dump returns every table's rows in id/key order, for determinism checks.
func dump(t *testing.T, db *sql.DB) string {
	t.Helper()
	tables, err := db.Query("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		if err := tables.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	tables.Close()
	var b strings.Builder
	for _, n := range names {
		rows, err := db.Query("SELECT * FROM " + n)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprint(vals))
		}
		rows.Close()
		slices.Sort(lines)
		fmt.Fprintf(&b, "%s %d rows\n%s\n", n, len(lines), strings.Join(lines, "\n"))
	}
	return b.String()
}

func sortedKeys[M ~map[string]V, V any](m M) []string { return slices.Sorted(maps.Keys(m)) }
