package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/result"
	"github.com/kos-ops/kos_exporter/exporter/sqlrun"
	"github.com/kos-ops/kos_exporter/internal/sqlrows"
)

// interval15s is the reporting unit: the shipped global interval.
const interval15s = 15 * time.Second

// bigTable is the row count above which a full scan is flagged.
const bigTable = 10_000

// collectorCost is one collector measured on one scenario.
type collectorCost struct {
	name     string
	interval time.Duration
	runStats
	counted float64 // items the collector's values count (one run)
	plan    plan
}

func (c collectorCost) mean() time.Duration {
	if c.runs == 0 {
		return 0
	}
	return c.total / time.Duration(c.runs)
}

// per15s is the server time the collector costs per 15 s at its
// interval, from the median run.
func (c collectorCost) per15s() time.Duration {
	return time.Duration(float64(c.median()) * interval15s.Seconds() / c.interval.Seconds())
}

func (c collectorCost) examinedPerRun() float64 { return float64(c.examined) / float64(max(c.runs, 1)) }
func (c collectorCost) sentPerRun() float64     { return float64(c.sent) / float64(max(c.runs, 1)) }

// rowsOK is the rows goal: examined ≤ 10 × sent + what the values count.
func (c collectorCost) rowsOK() bool {
	return c.examinedPerRun() <= 10*c.sentPerRun()+c.counted
}

// measureFile measures every collector of the collectors file on db,
// loaded at loadedAt.
func measureFile(ctx context.Context, db *sql.DB, src statSource, path string, runs int, loadedAt time.Time) ([]collectorCost, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Parse(b, path)
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	sizes, err := tableSizes(ctx, conn)
	if err != nil {
		return nil, err
	}
	now, err := sqlrun.DatabaseNow(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("reading the database clock: %w", err)
	}
	// The scenario's moment: what the database's clock read when the
	// load's rows stopped. A reused load is hours old, and the last
	// minutes before now hold no rows; the two parts of a since_midnight
	// collector are measured as they run at the scenario's time of day.
	now = now.Add(-time.Since(loadedAt))
	var out []collectorCost
	for _, c := range cfg.Collectors {
		for _, q := range queriesOf(c, now) {
			cost := collectorCost{name: q.name, interval: q.interval}
			// The first run also warms the buffer pool, as the exporter's
			// runs every 15 s keep it warm.
			if cost.counted, err = countedItems(ctx, conn, c, q.sql); err != nil {
				return nil, fmt.Errorf("%s: %w", q.name, err)
			}
			if cost.runStats, err = src.measure(ctx, conn, q.sql, runs); err != nil {
				return nil, fmt.Errorf("%s: %w", q.name, err)
			}
			if q.clock {
				clock, err := src.measure(ctx, conn, sqlrun.ClockSQL, runs)
				if err != nil {
					return nil, fmt.Errorf("%s: %s: %w", q.name, sqlrun.ClockSQL, err)
				}
				cost.runStats = cost.runStats.plus(clock)
			}
			rows, err := sqlrows.Maps(ctx, conn, "EXPLAIN "+q.sql)
			if err != nil {
				return nil, fmt.Errorf("%s: EXPLAIN: %w", q.name, err)
			}
			cost.plan = planOf(rows, sizes)
			out = append(out, cost)
		}
	}
	return out, nil
}

// query is a statement a collector runs, and how often.
type query struct {
	name     string
	interval time.Duration
	sql      string
	clock    bool // each run also reads the database's clock first
}

// queriesOf is what c runs: its query every interval, or, for a
// since_midnight collector, the base (the day up to the mark) every settle
// period, and every interval the advance (the rows of one interval, up to
// the mark) and the recent part (from the mark on, one margin of rows,
// after the clock). now is the database's.
func queriesOf(c *config.Collector, now time.Time) []query {
	sm := c.SinceMidnight
	if sm == nil {
		return []query{{name: c.Name, interval: c.Interval, sql: c.SQL}}
	}
	from, mark := sqlrun.BaseRange(now, sm.Margin)
	_, last := sqlrun.BaseRange(now, sm.Margin+c.Interval)
	_, to := sqlrun.RecentRange(now, mark)
	return []query{
		{name: c.Name + " (base)", interval: sm.Settle, sql: sqlrun.BindRange(c, from, mark)},
		{name: c.Name + " (advance)", interval: c.Interval, sql: sqlrun.BindRange(c, last, mark)},
		{name: c.Name + " (recent)", interval: c.Interval, sql: sqlrun.BindRange(c, mark, to), clock: true},
	}
}

// countedItems runs q, c's query, and adds up the values that count items
// (pending, in progress, depth, *_total, histogram counts): the rows a
// query must read however it is written.
func countedItems(ctx context.Context, conn *sql.Conn, c *config.Collector, q string) (float64, error) {
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	res, err := sqlrun.MapRows(ctx, c, rows)
	if err != nil {
		return 0, err
	}
	return counted(res), nil
}

func counted(res *result.Result) float64 {
	var n float64
	for _, f := range res.Families {
		countsItems := slices.ContainsFunc([]string{"_total", "_pending", "_depth", "_in_progress"}, func(s string) bool { return strings.HasSuffix(f.Name, s) })
		for _, m := range f.All() {
			switch {
			case f.Type == dto.MetricType_HISTOGRAM:
				n += float64(m.GetHistogram().GetSampleCount())
			case countsItems && m.Counter != nil:
				n += m.Counter.GetValue()
			case countsItems && m.Gauge != nil:
				n += m.Gauge.GetValue()
			}
		}
	}
	return n
}

// tableSizes is the server's row estimate per table of the database.
func tableSizes(ctx context.Context, conn *sql.Conn) (map[string]int64, error) {
	rows, err := conn.QueryContext(ctx, "SELECT table_name, COALESCE(table_rows, 0) FROM information_schema.tables WHERE table_schema = DATABASE()")
	if err != nil {
		return nil, fmt.Errorf("reading table sizes: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, fmt.Errorf("reading table sizes: %w", err)
		}
		out[name] = n
	}
	return out, rows.Err()
}

// plan is what EXPLAIN says a query reads.
type plan struct {
	access    []string // table:index (access type), one per table read
	fullScans []string // tables over bigTable rows read whole
}

// planOf summarises EXPLAIN rows (MySQL and MariaDB columns: table, type,
// key, Extra). A full scan is type ALL, or type index (the whole index),
// of a table with more than bigTable rows; derived tables and unions
// (<derived2>, <union1,3>) are the server's own and are not counted.
func planOf(rows []map[string]string, sizes map[string]int64) plan {
	var p plan
	for _, r := range rows {
		table := r["table"]
		if table == "" || strings.HasPrefix(table, "<") {
			continue
		}
		key := r["key"]
		if key == "" {
			key = "no index"
		}
		desc := fmt.Sprintf("%s: %s (%s", table, key, r["type"])
		if strings.Contains(r["extra"], "Using index") && !strings.Contains(r["extra"], "Using index condition") {
			desc += ", covering"
		}
		p.access = append(p.access, desc+")")
		if (r["type"] == "ALL" || r["type"] == "index") && sizes[table] > bigTable {
			p.fullScans = append(p.fullScans, table+" ("+strconv.FormatInt(sizes[table], 10)+" rows)")
		}
	}
	return p
}
