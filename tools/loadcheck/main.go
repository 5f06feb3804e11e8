// Command loadcheck measures kos_exporter under load, as `make bench` runs
// it: scrape latency while a query takes 2 s, database queries per interval
// with 1, 8 and 50 scrapers, 100k-series scrapes and peak RSS, and server-side
// concurrency after client-side cancellations. It prints Markdown tables.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/internal/memsql"
	"github.com/kos-ops/kos_exporter/internal/mysqltest"
)

func main() {
	exporterBin := flag.String("exporter", "bin/kos_exporter", "kos_exporter binary to measure")
	dsn := flag.String("mysql.dsn", os.Getenv("KOS_TEST_MYSQL_DSN"), "real MySQL/MariaDB to use (default: the in-process server)")
	phase := flag.Duration("phase", 10*time.Second, "how long each scraper count is measured")
	series := flag.Int("series", 100_000, "series of the big collector")
	flag.Parse()
	if err := run(*exporterBin, *dsn, *phase, *series); err != nil {
		fmt.Fprintln(os.Stderr, "loadcheck:", err)
		os.Exit(1)
	}
}

func run(exporterBin, dsn string, phase time.Duration, series int) error {
	db, err := openDatabase(dsn)
	if err != nil {
		return err
	}
	defer db.close()
	began := time.Now()
	if err := seed(db.conn, series); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "loadcheck: seeded %d rows in %v\n", series, time.Since(began).Round(time.Millisecond))
	proxy, err := mysqltest.StartProxy(db.addr)
	if err != nil {
		return err
	}
	defer proxy.Close()
	viaProxy := withAddr(db.dsn, proxy.Addr)
	fmt.Printf("Database: %s. Machine: %d-core box, exporter and database on it.\n\n", db.kind, numCPU())

	// 1. Scrape latency and query count while one collector's query takes 2 s.
	const interval = 5 * time.Second
	slowCfg := fmt.Sprintf(`global: {interval: %s, timeout: 4s}
targets: {kos: {dsn: "%s"}}
collectors:
  - name: slow
    sql: SELECT 'x' AS model, SLEEP(2) AS n /* slow */
    metrics: [{name: kos_slow, type: gauge, help: Slow query., labels: [model], value: n}]
  - name: fast
    sql: SELECT COUNT(*) AS n FROM big /* fast */
    metrics: [{name: kos_rows, type: gauge, help: Rows., value: n}]
`, interval, viaProxy)
	exp, err := startExporter(exporterBin, slowCfg)
	if err != nil {
		return err
	}
	fmt.Println("## Scrapes while the `slow` collector's query takes 2 s (interval 5 s)")
	fmt.Println()
	fmt.Println("Each scraper scrapes back to back (closed loop), the harshest case; Prometheus scrapes once per scrape_interval.")
	fmt.Println()
	fmt.Println("| scrapers | scrapes | p50 | p99 | max | slow queries on the wire | fast queries | expected per collector |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, n := range []int{1, 8, 50} {
		slowBefore, fastBefore := proxy.Queries("/* slow */"), proxy.Queries("/* fast */")
		lat, errs := scrapeFor(exp.url, n, phase)
		slow, fast := proxy.Queries("/* slow */")-slowBefore, proxy.Queries("/* fast */")-fastBefore
		expected := phase.Seconds() / interval.Seconds()
		fmt.Printf("| %d | %d | %s | %s | %s | %d | %d | %.0f–%.0f |\n", n, len(lat), pct(lat, 50), pct(lat, 99), pct(lat, 100),
			slow, fast, max(0, math.Floor(expected)), math.Ceil(expected))
		if errs > 0 {
			fmt.Printf("\n%d scrapes failed\n", errs)
		}
	}
	fmt.Printf("\nExporter peak RSS: %.1f MiB\n\n", exp.peakRSS())
	exp.stop()

	// 2. A big collector: scrapes of an unchanged 100k-series snapshot.
	bigCfg := fmt.Sprintf(`targets: {kos: {dsn: "%s", max_open_conns: 2}}
collectors:
  - name: big
    interval: 60s
    timeout: 30s
    max_series: %d
    sql: SELECT model, n FROM big
    metrics: [{name: kos_big, type: gauge, help: Many series., labels: [model], value: n}]
`, viaProxy, series)
	exp, err = startExporter(exporterBin, bigCfg)
	if err != nil {
		return err
	}
	began = time.Now()
	if err := exp.waitFor("kos_exporter_collector_exposed{collector=\"big\",target=\"kos\"} 1", 5*time.Minute); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "loadcheck: first run of the big collector done after %v\n", time.Since(began).Round(time.Millisecond))
	fmt.Printf("## Scrapes of %d series (gzip, as Prometheus asks)\n\n", series)
	fmt.Println("| scrapers | scrapes | p50 | p99 | max | body (gzip) |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, n := range []int{1, 8} {
		lat, errs := scrapeFor(exp.url, n, phase)
		fmt.Printf("| %d | %d | %s | %s | %s | %.1f MiB |\n", n, len(lat), pct(lat, 50), pct(lat, 99), pct(lat, 100), float64(exp.bodySize())/(1<<20))
		if errs > 0 {
			fmt.Printf("\n%d scrapes failed\n", errs)
		}
	}
	fmt.Printf("\nExporter peak RSS with %d series: %.1f MiB\n\n", series, exp.peakRSS())
	exp.stop()

	// 3. Queries abandoned by the client must not pile up on the server.
	cancelCfg := fmt.Sprintf(`targets: {kos: {dsn: "%s", max_open_conns: 2}}
collectors:
  - {name: c1, interval: 1s, timeout: 1s, sql: "SELECT SLEEP(3) AS n /* cancelled */", metrics: [{name: kos_c1, type: gauge, help: h., value: n}]}
  - {name: c2, interval: 1s, timeout: 1s, sql: "SELECT SLEEP(3) AS n /* cancelled */", metrics: [{name: kos_c2, type: gauge, help: h., value: n}]}
  - {name: c3, interval: 1s, timeout: 1s, sql: "SELECT SLEEP(3) AS n /* cancelled */", metrics: [{name: kos_c3, type: gauge, help: h., value: n}]}
`, viaProxy)
	exp, err = startExporter(exporterBin, cancelCfg)
	if err != nil {
		return err
	}
	maxConns, maxRunning := 0, -1
	for deadline := time.Now().Add(phase); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		maxConns = max(maxConns, proxy.Open())
		if db.real {
			maxRunning = max(maxRunning, db.running("/* cancelled */"))
		}
	}
	exp.stop()
	fmt.Println("## Three collectors whose 3 s queries time out after 1 s, pool of 2")
	fmt.Println()
	fmt.Printf("- most connections open at once (sampled every 20 ms): %d\n", maxConns)
	if db.real {
		fmt.Printf("- most of these queries running on the server at once (processlist): %d\n", maxRunning)
	} else {
		fmt.Println("- running queries on the server: not measurable on the in-process server (it does not enforce max_execution_time); run with KOS_TEST_MYSQL_DSN")
	}
	return nil
}

type database struct {
	kind, dsn, addr string
	real            bool
	conn            *sql.DB
	close           func()
}

func openDatabase(dsn string) (*database, error) {
	if dsn == "" {
		srv, err := memsql.Start("127.0.0.1:0", "kos")
		if err != nil {
			return nil, err
		}
		conn, err := sql.Open("mysql", srv.DSN())
		if err != nil {
			return nil, err
		}
		return &database{kind: "in-process go-mysql-server", dsn: srv.DSN(), addr: srv.Addr, conn: conn,
			close: func() { conn.Close(); srv.Close() }}, nil
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("mysql.dsn: %w", err)
	}
	admin, err := sql.Open("mysql", dsn)
	if err != nil {
		return nil, err
	}
	const name = "kos_loadcheck"
	if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
		return nil, err
	}
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		return nil, err
	}
	cfg.DBName = name
	conn, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	return &database{kind: "real server at " + cfg.Addr, dsn: cfg.FormatDSN(), addr: cfg.Addr, real: true, conn: conn,
		close: func() {
			conn.Close()
			admin.Exec("DROP DATABASE " + name)
			admin.Close()
		}}, nil
}

func (d *database) running(marker string) int {
	var n int
	d.conn.QueryRow("SELECT COUNT(*) FROM information_schema.processlist WHERE command = 'Query' AND info LIKE ?", "%"+marker+"%").Scan(&n)
	return n - 1 // this query matches itself
}

func seed(db *sql.DB, series int) error {
	if _, err := db.Exec("CREATE TABLE big (id INT, model VARCHAR(32), n INT)"); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	for start := 0; start < series; start += 2000 {
		var b strings.Builder
		b.WriteString("INSERT INTO big VALUES ")
		for i := start; i < min(start+2000, series); i++ {
			if i > start {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "(%d,'model_%06d',%d)", i, i, i%1000)
		}
		if _, err := db.Exec(b.String()); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	return nil
}

func withAddr(dsn, addr string) string {
	cfg, _ := mysql.ParseDSN(dsn)
	cfg.Addr = addr
	return cfg.FormatDSN()
}

type exporter struct {
	cmd  *exec.Cmd
	url  string
	dir  string
	last int
}

func startExporter(bin, config string) (*exporter, error) {
	dir, err := os.MkdirTemp("", "loadcheck")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "collectors.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "--config.file", path, "--web.listen-address", addr, "--log.level", "error")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	e := &exporter{cmd: cmd, url: "http://" + addr + "/metrics", dir: dir}
	return e, e.waitFor("kos_exporter_collector_up", 30*time.Second)
}

func (e *exporter) waitFor(substr string, limit time.Duration) error {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get(e.url)
		if err != nil {
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), substr) {
			return nil
		}
	}
	return fmt.Errorf("exporter never showed %q", substr)
}

func (e *exporter) bodySize() int {
	req, _ := http.NewRequest("GET", e.url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	n, _ := io.Copy(io.Discard, resp.Body)
	return int(n)
}

// peakRSS reads the child's high-water resident set size.
func (e *exporter) peakRSS() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", e.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb)
			return kb / 1024
		}
	}
	return -1
}

func (e *exporter) stop() {
	e.cmd.Process.Signal(os.Interrupt)
	e.cmd.Wait()
	os.RemoveAll(e.dir)
}

// scrapeFor runs n scrapers back to back for d, like Prometheus (gzip).
func scrapeFor(url string, n int, d time.Duration) ([]time.Duration, int) {
	transport := &http.Transport{MaxIdleConnsPerHost: n, DisableCompression: true}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var (
		mu   sync.Mutex
		lat  []time.Duration
		errs int
		wg   sync.WaitGroup
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				began := time.Now()
				resp, err := transport.RoundTrip(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				took := time.Since(began)
				mu.Lock()
				if err != nil || resp.StatusCode != 200 {
					errs++
				} else {
					lat = append(lat, took)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	transport.CloseIdleConnections()
	return lat, errs
}

func pct(lat []time.Duration, p int) string {
	if len(lat) == 0 {
		return "n/a"
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	i := min(len(s)-1, len(s)*p/100)
	return s[i].Round(10 * time.Microsecond).String()
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return max(1, strings.Count(string(b), "processor\t:"))
}
