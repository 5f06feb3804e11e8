// Command loadcheck measures kos_exporter under load, as `make bench` runs
// it: scrape latency while a query takes 2 s, database queries per interval
// with 1, 8 and 50 scrapers, 100k-series scrapes (latency, bytes on the wire
// per encoding, peak RSS), server-side concurrency after client-side
// cancellations, and at scale: a million series (run time, peak RSS,
// scrape latency right after runs) and 200 collectors over 5 targets
// (first-run spread, CPU, RSS). It prints Markdown tables.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kos-ops/kos_exporter/internal/freeport"

	_ "github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/internal/cli"
	"github.com/kos-ops/kos_exporter/internal/dbprovision"
	"github.com/kos-ops/kos_exporter/internal/wireproxy"
)

func main() { cli.Main(run) }

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := cli.New("loadcheck", "Measures a kos_exporter binary under load and prints the results as Markdown tables.", stdout, stderr)
	var o options
	app.Flag("exporter", "kos_exporter binary to measure.").Default("bin/kos_exporter").StringVar(&o.exporter)
	app.Flag("mysql.dsn", "Real MySQL/MariaDB to measure against (go-sql-driver DSN of an account that may create and drop a database); empty: the in-process server.").Envar("KOS_TEST_MYSQL_DSN").StringVar(&o.dsn)
	app.Flag("phase", "How long each scraper count is measured.").Default("10s").DurationVar(&o.phase)
	app.Flag("series", "Series of the big collector.").Default("100000").IntVar(&o.series)
	app.Flag("huge", "Series of the million-series check; 0 skips it.").Default("1000000").IntVar(&o.huge)
	app.Flag("collectors", "Collectors of the many-collectors check (spread over 5 targets); 0 skips it.").Default("200").IntVar(&o.collectors)
	app.Flag("sql-exporter", "burningalchemist/sql_exporter binary to serve the same big table with, for comparison; empty skips it.").PlaceHolder("BIN").StringVar(&o.sqlExporter)
	if code, done := app.Parse(args); done {
		return code
	}
	if err := check(ctx, app.Logger(), stdout, o); err != nil {
		fmt.Fprintln(stderr, "loadcheck:", err)
		return 1
	}
	return 0
}

// options are the command's flags.
type options struct {
	exporter, dsn string
	sqlExporter   string
	phase         time.Duration
	series        int
	huge          int
	collectors    int
}

// check runs the three measurements and writes their tables to out.
func check(ctx context.Context, logger *slog.Logger, out io.Writer, o options) error {
	db, err := openDatabase(ctx, o.dsn)
	if err != nil {
		return err
	}
	defer func() {
		if err := db.release(); err != nil {
			logger.Error("releasing the database", "err", err)
		}
	}()
	began := time.Now()
	if err := seed(ctx, db.conn, "big", o.series); err != nil {
		return err
	}
	logger.Info("seeded", "rows", o.series, "took", time.Since(began).Round(time.Millisecond))
	proxy, err := wireproxy.Start(db.Addr)
	if err != nil {
		return err
	}
	defer proxy.Close()
	viaProxy := db.WithAddr(proxy.Addr)
	fmt.Fprintf(out, "Database: %s. Machine: %d-core box, exporter and database on it.\n\n", db.kind, numCPU())

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
	exp, err := startExporter(ctx, o.exporter, slowCfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "## Scrapes while the `slow` collector's query takes 2 s (interval 5 s)")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "Each scraper scrapes back to back (closed loop), the harshest case; Prometheus scrapes once per scrape_interval.")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| scrapers | scrapes | p50 | p99 | max | slow queries on the wire | fast queries | expected per collector |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|")
	for _, n := range []int{1, 8, 50} {
		slowBefore, fastBefore := proxy.Queries("/* slow */"), proxy.Queries("/* fast */")
		lat, errs := scrapeFor(ctx, exp.url, n, o.phase, "gzip")
		slow, fast := proxy.Queries("/* slow */")-slowBefore, proxy.Queries("/* fast */")-fastBefore
		expected := o.phase.Seconds() / interval.Seconds()
		fmt.Fprintf(out, "| %d | %d | %s | %s | %s | %d | %d | %.0f–%.0f |\n", n, len(lat), pct(lat, 50), pct(lat, 99), pct(lat, 100),
			slow, fast, max(0, math.Floor(expected)), math.Ceil(expected))
		if errs > 0 {
			fmt.Fprintf(out, "\n%d scrapes failed\n", errs)
		}
	}
	fmt.Fprintf(out, "\nExporter peak RSS: %.1f MiB\n\n", exp.peakRSS())
	exp.stop()
	if err := ctx.Err(); err != nil {
		return err
	}

	// 2. A big collector: scrapes of an unchanged 100k-series snapshot.
	bigCfg := fmt.Sprintf(`targets: {kos: {dsn: "%s", max_open_conns: 2}}
collectors:
  - name: big
    interval: 60s
    timeout: 30s
    max_series: %d
    sql: SELECT model, n FROM big
    metrics: [{name: kos_big, type: gauge, help: Many series., labels: [model], value: n}]
`, viaProxy, o.series)
	exp, err = startExporter(ctx, o.exporter, bigCfg)
	if err != nil {
		return err
	}
	began = time.Now()
	if err := exp.waitFor(ctx, "kos_exporter_collector_exposed{collector=\"big\",target=\"kos\"} 1", 5*time.Minute); err != nil {
		exp.stop()
		return err
	}
	logger.Info("first run of the big collector done", "after", time.Since(began).Round(time.Millisecond))
	fmt.Fprintf(out, "## Scrapes of %d series\n\n", o.series)
	fmt.Fprintln(out, "Prometheus asks for gzip; with `--enable-feature=zstd-scrape` (3.15+) for zstd first.")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| encoding | scrapers | scrapes | p50 | p99 | max | body on the wire |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|")
	for _, enc := range []string{"gzip", "zstd"} {
		size := exp.bodySize(enc)
		for _, n := range []int{1, 8} {
			lat, errs := scrapeFor(ctx, exp.url, n, o.phase, enc)
			fmt.Fprintf(out, "| %s | %d | %d | %s | %s | %s | %s B |\n", enc, n, len(lat), pct(lat, 50), pct(lat, 99), pct(lat, 100), thousands(size))
			if errs > 0 {
				fmt.Fprintf(out, "\n%d scrapes failed\n", errs)
			}
		}
	}
	plain, err := exp.body("identity")
	if err != nil {
		exp.stop()
		return err
	}
	fmt.Fprintf(out, "\nThe same page uncompressed: %s B; compressed as client_golang's promhttp and burningalchemist/sql_exporter do (compress/gzip, default level, on every scrape): %s B.\n",
		thousands(len(plain)), thousands(gzipDefault(plain)))
	fmt.Fprintf(out, "\nExporter peak RSS with %d series: %.1f MiB\n\n", o.series, exp.peakRSS())
	exp.stop()
	if err := ctx.Err(); err != nil {
		return err
	}
	if o.sqlExporter != "" {
		if err := sqlExporterCheck(ctx, out, o, viaProxy); err != nil {
			return err
		}
	}

	// 3. Queries abandoned by the client must not pile up on the server.
	cancelCfg := fmt.Sprintf(`targets: {kos: {dsn: "%s", max_open_conns: 2}}
collectors:
  - {name: c1, interval: 1s, timeout: 1s, sql: "SELECT SLEEP(3) AS n /* cancelled */", metrics: [{name: kos_c1, type: gauge, help: h., value: n}]}
  - {name: c2, interval: 1s, timeout: 1s, sql: "SELECT SLEEP(3) AS n /* cancelled */", metrics: [{name: kos_c2, type: gauge, help: h., value: n}]}
  - {name: c3, interval: 1s, timeout: 1s, sql: "SELECT SLEEP(3) AS n /* cancelled */", metrics: [{name: kos_c3, type: gauge, help: h., value: n}]}
`, viaProxy)
	exp, err = startExporter(ctx, o.exporter, cancelCfg)
	if err != nil {
		return err
	}
	maxConns, maxRunning := 0, -1
	for deadline := time.Now().Add(o.phase); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(20 * time.Millisecond) {
		maxConns = max(maxConns, proxy.Open())
		if db.Real {
			maxRunning = max(maxRunning, db.running("/* cancelled */"))
		}
	}
	exp.stop()
	if err := ctx.Err(); err != nil {
		return err
	}
	fmt.Fprintln(out, "## Three collectors whose 3 s queries time out after 1 s, pool of 2")
	fmt.Fprintln(out)
	fmt.Fprintf(out, "- most connections open at once (sampled every 20 ms): %d\n", maxConns)
	if db.Real {
		fmt.Fprintf(out, "- most of these queries running on the server at once (processlist): %d\n", maxRunning)
	} else {
		fmt.Fprintln(out, "- running queries on the server: not measurable on the in-process server (it does not enforce max_execution_time); run with KOS_TEST_MYSQL_DSN")
	}
	fmt.Fprintln(out)
	switch {
	case o.huge > 0 && !db.Real:
		// It cannot send a million rows within the run's 25 s timeout.
		fmt.Fprintf(out, "## One collector of %d series\n\nNot measured on the in-process server; run with KOS_TEST_MYSQL_DSN.\n\n", o.huge)
	case o.huge > 0:
		if err := hugeCheck(ctx, logger, out, o, db, viaProxy); err != nil {
			return err
		}
	}
	if o.collectors > 0 {
		if err := manyCheck(ctx, out, o, db, proxy, viaProxy); err != nil {
			return err
		}
	}
	return nil
}

// database is the load check's own database and a connection to seed it.
type database struct {
	*dbprovision.Database
	kind string
	conn *sql.DB
}

// openDatabase creates a fresh database on the server dsn names, or on an
// in-process server when dsn is empty.
func openDatabase(ctx context.Context, dsn string) (*database, error) {
	d, err := dbprovision.New(ctx, dsn, "kos_loadcheck_")
	if err != nil {
		return nil, fmt.Errorf("preparing the database: %w", err)
	}
	conn, err := sql.Open("mysql", d.DSN)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("opening %s: %w", d.Addr, err)
	}
	kind := "in-process go-mysql-server"
	if d.Real {
		kind = "real server at " + d.Addr
	}
	return &database{Database: d, kind: kind, conn: conn}, nil
}

// release closes the connection and drops the database.
func (d *database) release() error {
	d.conn.Close()
	return d.Close()
}

func (d *database) running(marker string) int {
	var n int
	d.conn.QueryRow("SELECT COUNT(*) FROM information_schema.processlist WHERE command = 'Query' AND info LIKE ?", "%"+marker+"%").Scan(&n)
	return n - 1 // this query matches itself
}

// seed creates table with one row per series: model_000000, … and a value.
func seed(ctx context.Context, db *sql.DB, table string, series int) error {
	if _, err := db.ExecContext(ctx, "CREATE TABLE "+table+" (id INT, model VARCHAR(32), n INT)"); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	for start := 0; start < series; start += 2000 {
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " VALUES ")
		for i := start; i < min(start+2000, series); i++ {
			if i > start {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "(%d,'model_%06d',%d)", i, i, i%1000)
		}
		if _, err := db.ExecContext(ctx, b.String()); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	return nil
}

// exporter is a running kos_exporter and its config directory.
type exporter struct {
	cmd *exec.Cmd
	url string
	dir string
	log *logBuffer // its log, when started at debug level
}

// logBuffer collects a child's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *logBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Split(string(b.buf), "\n")
}

// startExporter runs bin with config and waits until it serves metrics.
func startExporter(ctx context.Context, bin, config string) (*exporter, error) {
	return startExporterLogging(ctx, bin, config, false)
}

// startExporterLogging is startExporter; with debug, the exporter logs at
// debug level into exporter.log instead of at error level to stderr.
func startExporterLogging(ctx context.Context, bin, config string, debug bool) (*exporter, error) {
	level, log := "error", (*logBuffer)(nil)
	if debug {
		level, log = "debug", &logBuffer{}
	}
	return startChild(ctx, child{
		bin: bin, file: "collectors.yaml", config: config,
		args: func(path, addr string) []string {
			return []string{"--config.file", path, "--web.listen-address", addr, "--log.level", level}
		},
		log:   log,
		ready: "kos_exporter_collector_up", limit: 30 * time.Second,
	})
}

// child is an exporter process to start: its binary, its config file's
// name and content, its flags given the file's path and the listen
// address, where its log goes (nil: stderr), and the text its page shows
// once it serves, within limit.
type child struct {
	bin, file, config string
	args              func(path, addr string) []string
	log               *logBuffer
	ready             string
	limit             time.Duration
}

// startChild writes c's config into a temporary directory, starts c on a
// free port and waits until its page shows c.ready.
func startChild(ctx context.Context, c child) (*exporter, error) {
	dir, err := os.MkdirTemp("", "loadcheck")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, c.file)
	addr, err := freeport.New().Addr()
	if err == nil {
		err = os.WriteFile(path, []byte(c.config), 0o600)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd := exec.Command(c.bin, c.args(path, addr)...)
	cmd.Stderr = os.Stderr
	if c.log != nil {
		cmd.Stderr = c.log
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting %s: %w", c.bin, err)
	}
	e := &exporter{cmd: cmd, url: "http://" + addr + "/metrics", dir: dir, log: c.log}
	if err := e.waitFor(ctx, c.ready, c.limit); err != nil {
		e.stop()
		return nil, err
	}
	return e, nil
}

func (e *exporter) waitFor(ctx context.Context, substr string, limit time.Duration) error {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(100 * time.Millisecond) {
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

// body fetches the page as sent with Accept-Encoding enc, not decoded.
func (e *exporter) body(enc string) ([]byte, error) {
	req, _ := http.NewRequest("GET", e.url, nil)
	req.Header.Set("Accept-Encoding", enc)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if got := resp.Header.Get("Content-Encoding"); got != enc && (enc != "identity" || got != "") {
		return nil, fmt.Errorf("asked for %s, got Content-Encoding %q", enc, got)
	}
	return io.ReadAll(resp.Body)
}

// bodySize is the size on the wire of the page in encoding enc, -1 on error.
func (e *exporter) bodySize(enc string) int {
	b, err := e.body(enc)
	if err != nil {
		return -1
	}
	return len(b)
}

// cpuSeconds is the CPU time the child has used.
func (e *exporter) cpuSeconds() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", e.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are the 12th and 13th, in clock ticks (100 a second on Linux).
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	var utime, stime float64
	fmt.Sscan(f[11], &utime)
	fmt.Sscan(f[12], &stime)
	return (utime + stime) / 100
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

// scrapeFor runs n scrapers back to back for d, asking for encoding enc.
func scrapeFor(ctx context.Context, url string, n int, d time.Duration, enc string) ([]time.Duration, int) {
	transport := &http.Transport{MaxIdleConnsPerHost: n, DisableCompression: true}
	ctx, cancel := context.WithTimeout(ctx, d)
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
				req.Header.Set("Accept-Encoding", enc)
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
