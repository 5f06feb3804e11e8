package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/go-sql-driver/mysql"
)

// sqlExporterCheck serves the big table through burningalchemist/sql_exporter
// (bin, built from its source: the module proxy does not serve it) and
// writes its page size on the wire, scrape latency and peak RSS beside
// kos_exporter's.
func sqlExporterCheck(ctx context.Context, out io.Writer, o options, dsn string) error {
	e, err := startSQLExporter(ctx, o.sqlExporter, dsn)
	if err != nil {
		return err
	}
	defer e.stop()
	size := e.bodySize("gzip")
	lat, errs := scrapeFor(ctx, e.url, 1, o.phase, "gzip")
	fmt.Fprintf(out, "## The same %d series through burningalchemist/sql_exporter\n\n", o.series)
	fmt.Fprintln(out, "It runs the query on every scrape; one scraper, back to back.")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| scrapes | p50 | p99 | body on the wire, gzip | peak RSS |")
	fmt.Fprintln(out, "|---|---|---|---|---|")
	fmt.Fprintf(out, "| %d | %s | %s | %s B | %.1f MiB |\n\n", len(lat), pct(lat, 50), pct(lat, 99), thousands(size), e.peakRSS())
	if errs > 0 {
		fmt.Fprintf(out, "%d scrapes failed\n\n", errs)
	}
	return nil
}

// startSQLExporter runs sql_exporter on the big table of the database dsn
// names and waits until its page holds the table's series.
func startSQLExporter(ctx context.Context, bin, dsn string) (*exporter, error) {
	config, err := sqlExporterConfig(dsn)
	if err != nil {
		return nil, err
	}
	e, err := startChild(ctx, child{
		bin: bin, file: "sql_exporter.yml", config: config,
		args: func(path, addr string) []string {
			return []string{"-config.file", path, "-web.listen-address", addr, "-log.level", "error"}
		},
		ready: `kos_big{model="model_000000"}`, limit: time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("sql_exporter: %w", err)
	}
	return e, nil
}

// sqlExporterConfig is sql_exporter's configuration serving the big table
// of the database dsn (a go-sql-driver DSN) names.
func sqlExporterConfig(dsn string) (string, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("sql_exporter: %w", err)
	}
	// sql_exporter takes a URL (xo/dburl), not a go-sql-driver DSN.
	source := url.URL{Scheme: "mysql", User: url.UserPassword(cfg.User, cfg.Passwd), Host: cfg.Addr, Path: "/" + cfg.DBName}
	return fmt.Sprintf(`global: {scrape_timeout: 60s, min_interval: 0s, max_connections: 2, max_idle_connections: 2}
target:
  data_source_name: %q
  collectors: [big]
collectors:
  - collector_name: big
    metrics:
      - {metric_name: kos_big, type: gauge, help: Many series., key_labels: [model], values: [n], query: "SELECT model, n FROM big"}
`, source.String()), nil
}
