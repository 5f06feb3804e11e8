package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kos-ops/kos_exporter/internal/wireproxy"
)

// hugeCheck runs one collector of o.huge series for three runs while a
// scraper scrapes every 250 ms, as a Prometheus would at a short interval:
// run time, peak RSS, and the latency of every scrape, those right after a
// run included.
func hugeCheck(ctx context.Context, logger *slog.Logger, out io.Writer, o options, db *database, dsn string) error {
	began := time.Now()
	if err := seed(ctx, db.conn, "huge", o.huge); err != nil {
		return err
	}
	logger.Info("seeded", "rows", o.huge, "took", time.Since(began).Round(time.Millisecond))
	const interval = 30 * time.Second
	cfg := fmt.Sprintf(`targets: {kos: {dsn: "%s", max_open_conns: 2}}
collectors:
  - name: huge
    interval: %s
    timeout: 25s
    max_series: %d
    sql: SELECT model, n FROM huge
    metrics: [{name: kos_huge, type: gauge, help: A million series., labels: [model], value: n}]
`, dsn, interval, o.huge)
	bare, err := bareQuery(ctx, dsn, "SELECT model, n FROM huge") // through the proxy, before the exporter competes for the box
	if err != nil {
		return err
	}
	exp, err := startExporterLogging(ctx, o.exporter, cfg, true)
	if err != nil {
		return err
	}
	defer exp.stop()
	if err := exp.waitFor(ctx, `kos_exporter_collector_exposed{collector="huge",target="kos"} 1`, 10*time.Minute); err != nil {
		return err
	}
	// Two more runs, every scrape timed; the scrapes right after a run
	// are among them.
	type scrape struct {
		at, took time.Duration // since began
	}
	var scrapes []scrape
	errs := 0
	began = time.Now()
	for deadline := began.Add(2*interval + time.Second); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(250 * time.Millisecond) {
		t0 := time.Now()
		if _, err := exp.body("gzip"); err != nil {
			errs++
			continue
		}
		scrapes = append(scrapes, scrape{at: t0.Sub(began), took: time.Since(t0)})
	}
	// The first scrape that started after each run was published (the
	// exporter logs a run once its result is published).
	var lat, afterRun []time.Duration
	for _, s := range scrapes {
		lat = append(lat, s.took)
	}
	for _, done := range runsPublished(exp.log.lines(), "huge") {
		since := done.Sub(began)
		if since < 0 {
			continue // the first run, before the scrapes began
		}
		for _, s := range scrapes {
			if s.at >= since {
				afterRun = append(afterRun, s.took)
				break
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	rss := exp.peakRSS() // before the uncompressed page below adds its own body
	page, err := exp.body("identity")
	if err != nil {
		return err
	}
	runs := metricValue(page, `kos_exporter_collector_run_duration_seconds_count{collector="huge",target="kos"}`)
	runTime := metricValue(page, `kos_exporter_collector_run_duration_seconds_sum{collector="huge",target="kos"}`) / runs
	fmt.Fprintf(out, "## One collector of %s series (interval %s)\n\n", thousands(o.huge), interval)
	fmt.Fprintln(out, "| what | result |")
	fmt.Fprintln(out, "|---|---|")
	fmt.Fprintf(out, "| run (query, rows, mapping), mean of %.0f | %.2f s |\n", runs, runTime)
	fmt.Fprintf(out, "| the bare query through the same proxy, read with database/sql as a run scans it, nothing mapped | %.2f s |\n", bare.Seconds())
	fmt.Fprintf(out, "| exporter peak RSS over the runs | %.0f MiB |\n", rss)
	fmt.Fprintf(out, "| gzip scrapes every 250 ms over two runs: count, p50, p99, max | %d, %s, %s, %s |\n", len(lat), pct(lat, 50), pct(lat, 99), pct(lat, 100))
	fmt.Fprintf(out, "| the first of them after each run was published | %s |\n", durations(afterRun))
	fmt.Fprintf(out, "| page: uncompressed, gzip, zstd | %s B, %s B, %s B |\n", thousands(len(page)), thousands(exp.bodySize("gzip")), thousands(exp.bodySize("zstd")))
	if errs > 0 {
		fmt.Fprintf(out, "\n%d scrapes failed\n", errs)
	}
	fmt.Fprintln(out)
	return nil
}

// manyCheck starts o.collectors collectors over 5 targets at the default
// 15 s interval: when each was first exposed, how the first runs spread over
// the interval, then the exporter's CPU, RSS and the queries on the wire
// over two intervals.
func manyCheck(ctx context.Context, out io.Writer, o options, db *database, proxy *wireproxy.Proxy, dsn string) error {
	if _, err := db.conn.ExecContext(ctx, "CREATE TABLE small (id INT, n INT)"); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if _, err := db.conn.ExecContext(ctx, "INSERT INTO small VALUES (1, 10), (2, 20), (3, 30)"); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	const interval, targets = 15 * time.Second, 5
	var b strings.Builder
	b.WriteString("targets:\n")
	for t := range targets {
		fmt.Fprintf(&b, "  t%d: {dsn: %q}\n", t, dsn)
	}
	b.WriteString("collectors:\n")
	for c := range o.collectors {
		fmt.Fprintf(&b, "  - {name: c%03d, target: t%d, sql: \"SELECT SUM(n) AS n FROM small /* many c%03d */\", metrics: [{name: kos_many_c%03d, type: gauge, help: h., value: n}]}\n", c, c%targets, c, c)
	}
	started := time.Now()
	exp, err := startExporter(ctx, o.exporter, b.String())
	if err != nil {
		return err
	}
	defer exp.stop()
	var allExposed time.Duration
	for deadline := started.Add(3 * interval); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(100 * time.Millisecond) {
		page, err := exp.body("identity")
		if err == nil && countExposed(page) == o.collectors {
			allExposed = time.Since(started)
			break
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	page, err := exp.body("identity")
	if err != nil {
		return err
	}
	// First successes by second since the start.
	perSecond := map[int]int{}
	first, last := math.Inf(1), math.Inf(-1)
	for c := range o.collectors {
		ts := metricValue(page, fmt.Sprintf(`kos_exporter_collector_last_success_timestamp_seconds{collector="c%03d",target="t%d"}`, c, c%targets))
		if math.IsNaN(ts) {
			continue
		}
		at := ts - float64(started.UnixNano())/1e9
		first, last = min(first, at), max(last, at)
		perSecond[int(at)]++
	}
	busiest := 0
	for _, n := range perSecond {
		busiest = max(busiest, n)
	}
	cpu0, t0, q0 := exp.cpuSeconds(), time.Now(), proxy.Queries("/* many ")
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(2 * interval):
	}
	cpu, wall, queries := exp.cpuSeconds()-cpu0, time.Since(t0), proxy.Queries("/* many ")-q0
	fmt.Fprintf(out, "## %d collectors over %d targets (interval %s)\n\n", o.collectors, targets, interval)
	fmt.Fprintln(out, "| what | result |")
	fmt.Fprintln(out, "|---|---|")
	if allExposed > 0 {
		fmt.Fprintf(out, "| every collector exposed after | %s |\n", allExposed.Round(100*time.Millisecond))
	} else {
		fmt.Fprintf(out, "| every collector exposed after | not within %s (%d of %d) |\n", 3*interval, countExposed(page), o.collectors)
	}
	fmt.Fprintf(out, "| first runs: first and last success after start; most in one second | %.1f s, %.1f s; %d |\n", first, last, busiest)
	fmt.Fprintf(out, "| queries on the wire over %s (one per collector per interval: %d) | %d |\n", wall.Round(time.Second), int(float64(o.collectors)*wall.Seconds()/interval.Seconds()), queries)
	fmt.Fprintf(out, "| exporter CPU over %s (runs, scheduling, this check's scrapes) | %.2f s (%.1f %% of a core; %.2f ms a run) |\n", wall.Round(time.Second), cpu, 100*cpu/wall.Seconds(), 1000*cpu/max(1, float64(queries)))
	fmt.Fprintf(out, "| exporter peak RSS | %.1f MiB |\n", exp.peakRSS())
	fmt.Fprintln(out)
	return nil
}

// bareQuery times query on dsn read as a run reads it (every value scanned
// into an any), without mapping.
func bareQuery(ctx context.Context, dsn, query string) (time.Duration, error) {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return 0, fmt.Errorf("bare query: %w", err)
	}
	defer db.Close()
	began := time.Now()
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return 0, fmt.Errorf("bare query: %w", err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	values := make([]any, len(cols))
	dest := make([]any, len(cols))
	for i := range values {
		dest[i] = &values[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return 0, fmt.Errorf("bare query: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("bare query: %w", err)
	}
	return time.Since(began), nil
}

// runsPublished returns when the exporter logged a successful run of
// collector, which it does once the result is published.
func runsPublished(log []string, collector string) []time.Time {
	var at []time.Time
	for _, l := range log {
		if !strings.Contains(l, `msg="Collector run succeeded"`) || !strings.Contains(l, "collector="+collector+" ") {
			continue
		}
		ts, _, _ := strings.Cut(strings.TrimPrefix(l, "time="), " ")
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			at = append(at, t)
		}
	}
	return at
}

// durations lists ds rounded, or "none".
func durations(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.Round(100 * time.Microsecond).String()
	}
	return strings.Join(s, ", ")
}

// countExposed counts the collectors whose exposed gauge is 1.
func countExposed(page []byte) int {
	n := 0
	for _, l := range strings.Split(string(page), "\n") {
		if strings.HasPrefix(l, "kos_exporter_collector_exposed{") && strings.HasSuffix(l, "} 1") {
			n++
		}
	}
	return n
}

// metricValue is the value of the series line starting with series, NaN
// when absent.
func metricValue(page []byte, series string) float64 {
	i := bytes.Index(page, []byte("\n"+series+" "))
	if i < 0 {
		return math.NaN()
	}
	rest := page[i+len(series)+2:]
	if j := bytes.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[:j]
	}
	v, err := strconv.ParseFloat(string(rest), 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

// gzipDefault is the size of b compressed by compress/gzip at its default
// level.
func gzipDefault(b []byte) int {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Len()
}

// thousands formats n with commas: 259,716.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
