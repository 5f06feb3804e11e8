//go:build e2e

package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/schema"

	_ "github.com/go-sql-driver/mysql"
)

// mariadbFaults runs the fault checks against a private MariaDB (its own
// datadir and port; the machine's shared server is never touched): the
// database stopped and started under the running exporter, and a query that
// outlives its timeout.
func mariadbFaults(t *testing.T, e *env) {
	mariadbd, err1 := exec.LookPath("mariadbd")
	installDB, err2 := exec.LookPath("mariadb-install-db")
	if err1 != nil || err2 != nil {
		t.Skip("mariadbd or mariadb-install-db not on PATH: the real-MariaDB fault checks did NOT run")
	}
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
	defer cancel()
	dir := filepath.Join(e.logDir, "mariadb")
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	install := exec.CommandContext(ctx, installDB, "--no-defaults", "--datadir="+data,
		"--auth-root-authentication-method=normal", "--user=root", "--skip-test-db")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	startDB := func() *proc {
		p := startProc(t, dir, "mariadbd", mariadbd, nil, "--no-defaults", "--datadir="+data,
			"--port="+portOf(addr), "--bind-address=127.0.0.1", "--socket="+filepath.Join(dir, "sock"),
			"--pid-file="+filepath.Join(dir, "pid"), "--user=root", "--skip-grant-tables")
		if err := waitTCP(ctx, p, addr); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dbProc := startDB()

	admin, err := sql.Open("mysql", "root@tcp("+addr+")/")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE kos"); err != nil {
		t.Fatal(err)
	}
	// A few seconds of launch day for the shipped collectors to read; the
	// simulator then stops so every connection left is the exporters'.
	sim := startProc(t, dir, "kos_launchsim", e.sim, nil, "--mysql.dsn", "root@tcp("+addr+")/kos", "--admin.listen", "", "--speed", e.speed)
	// Counted from the schema's creation, not from the process start: on a
	// loaded machine the simulator may take seconds to get there.
	schemaTables := len(schema.Statements(schema.Full))
	for {
		var tables int
		admin.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'kos'").Scan(&tables)
		if tables >= schemaTables {
			break
		}
		if err := sim.exitedEarly(); err != nil {
			t.Fatal(err)
		}
		if ctx.Err() != nil {
			t.Fatalf("the simulator created %d of %d tables before the scenario timed out", tables, schemaTables)
		}
		sleep(ctx, 200*time.Millisecond)
	}
	sleep(ctx, 5*time.Second)
	if err := sim.exitedEarly(); err != nil {
		t.Fatal(err)
	}
	sim.stop()

	// Exporter 1: the shipped collectors, shortened as in every scenario
	// (default database kos).
	shipped := &stack{e: e, name: "mariadb", exporterAddr: freeAddr(t)}
	shipped.exporter = startProc(t, dir, "kos_exporter", e.exporter, []string{"KOS_DSN=root@tcp(" + addr + ")/kos"},
		"--config.file", e.collectors, "--web.listen-address", shipped.exporterAddr)
	// Exporter 2: a query that sleeps past its timeout beside a fast one
	// (default database mysql, to tell its connections apart).
	slowCfg := filepath.Join(dir, "slow.yaml")
	if err := os.WriteFile(slowCfg, []byte(fmt.Sprintf(`targets: {db: {dsn: "root@tcp(%s)/mysql"}}
collectors:
  - name: slow
    interval: 5s
    timeout: 2s
    sql: SELECT SLEEP(20) AS n
    metrics: [{name: e2e_slow, type: gauge, help: Sleeps past its timeout., value: n}]
  - name: fast
    interval: 1s
    timeout: 1s
    sql: SELECT 1 AS n
    metrics: [{name: e2e_fast, type: gauge, help: Answers at once., value: n}]
`, addr)), 0o644); err != nil {
		t.Fatal(err)
	}
	slow := &stack{e: e, name: "mariadb-slow", exporterAddr: freeAddr(t)}
	slow.exporter = startProc(t, dir, "kos_exporter_slow", e.exporter, nil, "--config.file", slowCfg, "--web.listen-address", slow.exporterAddr)
	for _, s := range []*stack{shipped, slow} {
		if err := waitReady(ctx, s.exporter, "http://"+s.exporterAddr+"/-/ready"); err != nil {
			t.Fatal(err)
		}
	}

	// --- A query that sleeps: both limits fire, the server forgets it, the
	// other collector keeps its schedule.
	const window = 12 * time.Second
	before, _ := slow.runs()
	timeouts0 := metricValue(t, slow, `kos_exporter_collector_errors_total{collector="slow",reason="timeout",target="db"}`)
	serverKills0 := globalStatus(ctx, t, admin, "Max_statement_time_exceeded")
	kills0 := globalStatus(ctx, t, admin, "Com_kill")
	sleep(ctx, window)
	after, _ := slow.runs()
	timeouts := metricValue(t, slow, `kos_exporter_collector_errors_total{collector="slow",reason="timeout",target="db"}`) - timeouts0
	serverKills := globalStatus(ctx, t, admin, "Max_statement_time_exceeded") - serverKills0
	// The client deadline and the server's limit are both the timeout:
	// whichever comes first, the statement ends on the server, by its own
	// limit or by the exporter's KILL QUERY.
	kills := globalStatus(ctx, t, admin, "Com_kill") - kills0
	if timeouts < 2 {
		t.Errorf("slow collector: %v timeouts counted in %s, want at least 2", timeouts, window)
	}
	if serverKills+kills < timeouts {
		t.Errorf("%v timeouts in %s but the server stopped only %v statements (%v by its limit, %v by KILL QUERY)", timeouts, window, serverKills+kills, serverKills, kills)
	}
	var lingering int
	if err := admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.PROCESSLIST
		WHERE INFO LIKE 'SELECT SLEEP(20)%' AND TIME_MS > 3000`).Scan(&lingering); err != nil {
		t.Fatal(err)
	}
	if lingering > 0 {
		t.Errorf("%d sleeping queries still run on the server past their 2 s limit", lingering)
	}
	fastRuns := after["fast"] - before["fast"]
	if fastRuns < float64(window/time.Second)-2 {
		t.Errorf("fast collector ran %v times in %s beside the sleeping one, schedule says %v", fastRuns, window, window/time.Second)
	}
	e.record(result{scenario: "mariadb: sleeping query", alert: "(fault)", receivers: "(none)", took: window,
		note: fmt.Sprintf("%v timeouts, stopped on the server %v times by max_statement_time and %v by the exporter's KILL QUERY, %d left running; fast collector %v runs (interval 1 s)", timeouts, serverKills, kills, lingering, fastRuns)})

	// --- The database stopped and started under the running exporter.
	maxConns := 0
	conns := func() int {
		var n int
		if err := admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = 'kos'`).Scan(&n); err != nil {
			t.Fatalf("processlist: %v", err)
		}
		maxConns = max(maxConns, n)
		return n
	}
	for range 5 {
		conns()
		sleep(ctx, time.Second)
	}
	dbProc.stop()
	down := time.Now()
	var longest time.Duration
	for _, d := range e.intervals {
		longest = max(longest, d)
	}
	sleep(ctx, longest+2*time.Second) // every collector fails once
	if err := shipped.exporter.exitedEarly(); err != nil {
		t.Fatalf("exporter died with the database: %v", err)
	}
	if v := metricValue(t, shipped, `kos_exporter_target_up{target="kos"}`); v != 0 {
		t.Errorf("kos_exporter_target_up = %v while the database is down", v)
	}
	for c, ok := range collectorsUp(t, shipped) {
		if ok {
			t.Errorf("collector %s up while the database is down", c)
		}
	}
	dbProc = startDB()
	up := time.Now()
	// Each collector must succeed again within one of its intervals (plus
	// a scrape): its next scheduled run reconnects.
	recoveredAt := map[string]time.Duration{}
	for len(recoveredAt) < len(e.intervals) && ctx.Err() == nil {
		conns()
		for c, ok := range collectorsUp(t, shipped) {
			if _, seen := recoveredAt[c]; ok && !seen {
				recoveredAt[c] = time.Since(up)
			}
		}
		sleep(ctx, 500*time.Millisecond)
	}
	var recovered time.Duration
	for c, e2 := range e.intervals {
		took, ok := recoveredAt[c]
		switch {
		case !ok:
			t.Errorf("collector %s not up again %s after the database came back", c, time.Since(up).Round(time.Second))
		case took > e2+time.Second:
			t.Errorf("collector %s up again after %s, more than its %s interval", c, took.Round(100*time.Millisecond), e2)
		}
		recovered = max(recovered, took)
	}
	for range 5 {
		conns()
		sleep(ctx, time.Second)
	}
	if maxConns > 2 {
		t.Errorf("up to %d exporter connections in SHOW PROCESSLIST, pool is max_open_conns 2", maxConns)
	}
	e.record(result{scenario: "mariadb: restart", alert: "(fault)", receivers: "(none)", took: recovered,
		note: fmt.Sprintf("down %s; every collector up again within its interval, the last %s after the restart; at most %d exporter connections (pool 2); no crash", up.Sub(down).Round(time.Second), recovered.Round(100*time.Millisecond), maxConns)})
}

func portOf(addr string) string { return addr[len("127.0.0.1:"):] }

func globalStatus(ctx context.Context, t *testing.T, db *sql.DB, name string) float64 {
	t.Helper()
	var k string
	var v float64
	if err := db.QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE '"+name+"'").Scan(&k, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// metricValue reads one sample from the exporter's /metrics.
func metricValue(t *testing.T, s *stack, series string) float64 {
	t.Helper()
	body := scrapeExporter(t, s)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("%s not on %s", series, s.exporterAddr)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var collectorUpRe = regexp.MustCompile(`(?m)^kos_exporter_collector_up\{collector="([^"]+)",[^}]*\} (\S+)$`)

// collectorsUp reads kos_exporter_collector_up per collector.
func collectorsUp(t *testing.T, s *stack) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, m := range collectorUpRe.FindAllStringSubmatch(scrapeExporter(t, s), -1) {
		out[m[1]] = m[2] == "1"
	}
	return out
}

func scrapeExporter(t *testing.T, s *stack) string {
	t.Helper()
	resp, err := http.Get("http://" + s.exporterAddr + "/metrics")
	if err != nil {
		t.Fatalf("scraping %s: %v", s.exporterAddr, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
