package scheduler

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/snapshot"
	"github.com/kos-ops/kos_exporter/internal/mysqltest"
	"github.com/kos-ops/kos_exporter/internal/wireproxy"
)

const (
	activationsSQL = "SELECT model, n FROM act /* activations */"
	queueSQL       = "SELECT COUNT(*) AS depth FROM act /* queue */"
)

// testConfig parses a config of two collectors on one target at dsn.
func testConfig(t *testing.T, dsn string, interval time.Duration) *config.Config {
	t.Helper()
	cfg, err := config.Parse(fmt.Appendf(nil, `targets:
  kos: {dsn: %q}
global: {interval: %s, timeout: %[2]s, max_series: 100}
collectors:
  - name: activations
    sql: %q
    metrics:
      - {name: kos_activations, type: gauge, help: Activations., labels: [model], value: n}
  - name: queue
    sql: %q
    metrics:
      - {name: kos_queue_items, type: gauge, help: Queue depth., value: depth}
`, dsn, interval, activationsSQL, queueSQL), "collectors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

type env struct {
	db    *mysqltest.DB
	proxy *wireproxy.Proxy
	store *snapshot.Store
	sched *Scheduler
	srv   *httptest.Server
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := mysqltest.New(t)
	db.Exec(t, "CREATE TABLE act (id INT PRIMARY KEY, model VARCHAR(20), n INT)",
		"INSERT INTO act VALUES (1, 'iphone17', 120), (2, 'galaxy_s26', 80)")
	proxy := mysqltest.NewProxy(t, db.Addr)
	store := snapshot.New(time.Now)
	sched := New(store, slog.New(slog.DiscardHandler))
	sched.maxSpread = time.Second // first runs at once: these tests wait for them
	t.Cleanup(sched.Stop)
	reg := prometheus.NewRegistry()
	reg.MustRegister(store.Collector(), sched.Collector())
	srv := httptest.NewServer(store.Handler(reg, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	return &env{db: db, proxy: proxy, store: store, sched: sched, srv: srv}
}

func (e *env) scrape(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(e.srv.URL)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// waitFor polls cond; the bound only keeps a broken build from hanging.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestScrapersNeverQueryTheDatabase(t *testing.T) {
	e := newEnv(t)
	// Long enough that no run times out on a loaded machine (a failed run
	// drops its series, which is not what this test is about).
	const interval = 5 * time.Second
	began := time.Now()
	if err := e.sched.Apply(testConfig(t, e.db.WithAddr(e.proxy.Addr), interval)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "activations exposed", func() bool {
		return strings.Contains(e.scrape(t), `kos_activations{model="iphone17"} 120`)
	})

	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				if body := e.scrape(t); !strings.Contains(body, `kos_activations{model="iphone17"} 120`) {
					t.Errorf("scrape lacks data:\n%s", body)
					return
				}
			}
		}()
	}
	wg.Wait()
	e.sched.Stop()
	elapsed := time.Since(began)

	queries := e.proxy.Queries("/* activations */")
	runs := runsOf(t, e.scrape(t), "activations")
	if queries != runs {
		t.Errorf("database saw %d activation queries for %d runs: scrapes must not query", queries, runs)
	}
	if limit := int(elapsed/interval) + 1; runs > limit {
		t.Errorf("%d runs in %v at a %v interval (at most %d)", runs, elapsed, interval, limit)
	}
}

func runsOf(t *testing.T, exposition, collector string) int {
	t.Helper()
	prefix := fmt.Sprintf(`kos_exporter_collector_runs_total{collector=%q,target="kos"} `, collector)
	for _, l := range strings.Split(exposition, "\n") {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			var n int
			fmt.Sscan(v, &n)
			return n
		}
	}
	t.Fatalf("no runs_total for %s in:\n%s", collector, exposition)
	return 0
}

func TestApplyKeepsUnchangedCollectorsRunning(t *testing.T) {
	e := newEnv(t)
	cfg := testConfig(t, e.db.WithAddr(e.proxy.Addr), time.Hour)
	if err := e.sched.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "first runs", e.store.Ready)
	before := e.proxy.Queries("/* activations */")

	next := testConfig(t, e.db.WithAddr(e.proxy.Addr), time.Hour)
	next.Collectors[0].Pos = config.Pos{File: "moved.yml", Line: 99} // only moved in the file
	next.Collectors[1].SQL = "SELECT COUNT(*) + 1 AS depth FROM act /* queue v2 */"
	if err := e.sched.Apply(next); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "changed collector's new result", func() bool { return strings.Contains(e.scrape(t), "kos_queue_items 3") })
	if n := e.proxy.Queries("/* queue v2 */"); n != 1 {
		t.Errorf("changed collector ran %d times, want once", n)
	}
	if after := e.proxy.Queries("/* activations */"); after != before {
		t.Errorf("unchanged collector re-ran on reload: %d queries, was %d", after, before)
	}
	if body := e.scrape(t); !strings.Contains(body, `kos_activations{model="iphone17"} 120`) {
		t.Errorf("unchanged collector lost its data on reload:\n%s", body)
	}
}

func TestApplyRejectsBadTargetAndKeepsRunning(t *testing.T) {
	e := newEnv(t)
	if err := e.sched.Apply(testConfig(t, e.db.DSN, time.Hour)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "first runs", e.store.Ready)
	bad := testConfig(t, "root@tcp(127.0.0.1:1", time.Hour)
	err := e.sched.Apply(bad)
	if err == nil || !strings.Contains(err.Error(), "collectors.yaml:2") {
		t.Fatalf("Apply(bad dsn) = %v, want an error naming collectors.yaml:2", err)
	}
	if body := e.scrape(t); !strings.Contains(body, `kos_activations{model="iphone17"} 120`) {
		t.Errorf("old config stopped serving after a rejected apply:\n%s", body)
	}
}

func TestDatabaseOutageIsVisibleAndRecovers(t *testing.T) {
	e := newEnv(t)
	e.proxy.Down()
	if err := e.sched.Apply(testConfig(t, e.db.WithAddr(e.proxy.Addr), time.Second)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "runs against the down database", e.store.Ready)
	body := e.scrape(t)
	for _, want := range []string{
		`kos_exporter_target_up{target="kos"} 0`,
		`kos_exporter_collector_up{collector="activations",target="kos"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("while down, missing %s", want)
		}
	}
	if strings.Contains(body, "kos_activations{") {
		t.Errorf("data exposed while the database is down")
	}
	e.proxy.Up()
	waitFor(t, "recovery", func() bool { return strings.Contains(e.scrape(t), `kos_exporter_target_up{target="kos"} 1`) })
	waitFor(t, "data after recovery", func() bool { return strings.Contains(e.scrape(t), `kos_activations{model="iphone17"} 120`) })
	if open := e.proxy.Open(); open > 2 {
		t.Errorf("%d connections open, the pool allows 2", open)
	}
}

// partRuns is how many queries of a since_midnight collector's part ran.
func partRuns(exposition, collector, part string) int {
	prefix := fmt.Sprintf(`kos_exporter_collector_part_duration_seconds_count{collector=%q,part=%q,target="kos"} `, collector, part)
	for _, l := range strings.Split(exposition, "\n") {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			var n int
			fmt.Sscan(v, &n)
			return n
		}
	}
	return 0
}

// A reload that keeps a since_midnight collector counts its base again at
// its next run, and with it a call committed after the first base but
// timestamped before its mark (the settle period, an hour, is far off).
func TestReloadCountsSinceMidnightBaseAgain(t *testing.T) {
	e := newEnv(t)
	e.db.Exec(t, "CREATE TABLE calls (id INT AUTO_INCREMENT PRIMARY KEY, called_at DATETIME(6) NOT NULL)",
		"INSERT INTO calls (called_at) VALUES (CURDATE())")
	parse := func() *config.Config {
		cfg, err := config.Parse(fmt.Appendf(nil, `targets:
  kos: {dsn: %q}
collectors:
  - name: calls
    interval: 1s
    timeout: 1s
    since_midnight: {settle: 1h, margin: 0s}
    sql: SELECT COUNT(*) AS n FROM calls WHERE called_at >= ? AND called_at < ?
    metrics:
      - {name: kos_calls_total, type: counter, help: Calls., value: n}
`, e.db.DSN), "collectors.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	if err := e.sched.Apply(parse()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first base and two recent parts", func() bool { return partRuns(e.scrape(t), "calls", "recent") >= 3 })
	// At midnight, before the base's mark (unless the base ran at
	// midnight to the microsecond).
	e.db.Exec(t, "INSERT INTO calls (called_at) VALUES (CURDATE())")
	runs := partRuns(e.scrape(t), "calls", "recent")
	waitFor(t, "two more runs", func() bool { return partRuns(e.scrape(t), "calls", "recent") >= runs+2 })
	body := e.scrape(t)
	if !strings.Contains(body, "kos_calls_total 1\n") || partRuns(body, "calls", "base") != 1 {
		t.Fatalf("before the reload, want the late call left for the next base (one base run):\n%s", body)
	}
	if err := e.sched.Apply(parse()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the late call counted by a new base", func() bool { return strings.Contains(e.scrape(t), "kos_calls_total 2\n") })
	if n := partRuns(e.scrape(t), "calls", "base"); n != 2 {
		t.Errorf("%d base runs, want 2 (start and reload)", n)
	}
}
