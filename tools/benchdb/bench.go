package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// goalPer15s is the whole set's database time budget per 15 s interval.
const goalPer15s = 25 * time.Millisecond

// measured is one collectors file on one scenario.
type measured struct {
	scenario string
	file     string
	costs    []collectorCost
}

func (m measured) per15s() time.Duration {
	var d time.Duration
	for _, c := range m.costs {
		d += c.per15s()
	}
	return d
}

// bench loads the scenarios, measures every collectors file on each and
// writes the report to out; what it will do goes to stderr first.
func bench(ctx context.Context, logger *slog.Logger, out, stderr io.Writer, o options) (err error) {
	scs, err := scenarios(o)
	if err != nil {
		return err
	}
	if o.runs < 1 {
		return errors.New("--runs must be at least 1")
	}
	server, err := mysql.ParseDSN(o.dsn)
	if err != nil {
		return errors.New("--mysql.dsn: not a valid go-sql-driver DSN (user:password@tcp(host:port)/)")
	}
	fmt.Fprint(stderr, describe(o, scs))
	admin, err := openDB(server, "", "")
	if err != nil {
		return err
	}
	defer admin.Close()
	var version string
	if err := admin.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	loadAvg := readLoadAvg()
	src, restore, err := openStatSource(ctx, admin)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, restore()) }()

	var loads []*loaded
	defer func() {
		for _, l := range loads {
			l.db.Close()
		}
	}()
	for _, sc := range scs {
		l, err := load(ctx, logger, server, o, sc)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", sc.name, err)
		}
		loads = append(loads, l)
	}
	var results []measured
	for _, l := range loads {
		for _, file := range o.configs {
			began := time.Now()
			costs, err := measureFile(ctx, l.db, src, file, o.runs, l.load.loadedAt)
			if err != nil {
				return fmt.Errorf("scenario %s, %s: %w", l.name, file, err)
			}
			m := measured{scenario: l.name, file: file, costs: costs}
			logger.Info("measured", "scenario", l.name, "file", file, "per_15s", m.per15s(), "took", time.Since(began).Round(time.Millisecond))
			results = append(results, m)
		}
	}
	writeReport(out, reportHeader{version: version, source: src.name(), cpus: runtime.NumCPU(), loadAvg: loadAvg, runs: o.runs}, loads, results)
	return nil
}

// readLoadAvg is /proc/loadavg's first three fields, or "" off Linux.
func readLoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
