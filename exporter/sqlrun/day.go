package sqlrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/result"
)

// Part names a query of a since_midnight collector's run.
type Part string

// The parts of a since_midnight run: the base counts the database's day
// from midnight to the mark, the recent part from the mark to the next
// midnight.
const (
	PartBase   Part = "base"
	PartRecent Part = "recent"
)

// PartRun is one query of a run and how long it took.
type PartRun struct {
	Part Part
	Took time.Duration
}

// clockSQL reads the database's clock in its session time zone: every
// time a since_midnight query is given comes from it.
const clockSQL = "SELECT NOW(6)"

// literalLayout formats a time read from the database back as a SQL
// literal; built with time.Format from a parsed time, it can hold nothing
// but digits and separators.
const literalLayout = "'2006-01-02 15:04:05.000000'"

// Day is what a since_midnight collector keeps between runs: the base
// (the day counted up to the mark) and when it was counted, all on the
// database's clock. Times are its wall clock, held as UTC. One per
// collector loop: a new loop (start, reload) starts with none.
type Day struct {
	clock  string // the statement that reads the clock; tests fix it
	base   *result.Result
	baseAt time.Time // the database's NOW(6) when base was counted
	mark   time.Time // end of the base, start of the recent part
}

// NewDay returns a Day without a base: the first run counts one.
func NewDay() *Day { return &Day{clock: clockSQL} }

// Reset drops the base, so the next run counts it again.
func (d *Day) Reset() { d.base = nil }

// due says whether the base must be counted (again) at now: there is
// none, it is settle old, the database's date changed since, or its clock
// went back.
func (d *Day) due(now time.Time, settle time.Duration) bool {
	return d.base == nil || !sameDate(d.baseAt, now) || now.Before(d.baseAt) || now.Sub(d.baseAt) >= settle
}

func sameDate(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// RunDay runs a since_midnight collector once on one connection: it reads
// the database's clock, counts the base when due ([midnight, mark), mark =
// NOW(6) − margin but not before midnight), then the recent part ([mark,
// next midnight)), and returns base + recent. A row timestamped before the
// mark but committed after the base was counted is left out until the next
// base: the counters stay monotonic and catch up within a settle period.
// The queries run are in parts, also on error. Errors are *RunError.
func (t *Target) RunDay(ctx context.Context, c *config.Collector, d *Day) (*result.Result, []PartRun, error) {
	if c.SinceMidnight == nil {
		return nil, nil, errors.New("collector has no since_midnight")
	}
	var parts []PartRun
	timed := func(ctx context.Context, r *runConn, p Part, sql string) (*result.Result, *RunError) {
		began := time.Now()
		res, err := r.query(ctx, c, sql)
		parts = append(parts, PartRun{Part: p, Took: time.Since(began)})
		return res, err
	}
	res, err := t.run(ctx, c.Timeout, func(ctx context.Context, r *runConn) (*result.Result, *RunError) {
		now, rerr := r.clock(ctx, d.clock)
		if rerr != nil {
			return nil, rerr
		}
		y, m, day := now.Date()
		midnight := time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
		if d.due(now, c.SinceMidnight.Settle) {
			d.Reset()
			mark := now.Add(-c.SinceMidnight.Margin)
			if mark.Before(midnight) {
				mark = midnight
			}
			base, rerr := timed(ctx, r, PartBase, c.Bind(midnight.Format(literalLayout), mark.Format(literalLayout)))
			if rerr != nil {
				return nil, rerr
			}
			d.base, d.baseAt, d.mark = base, now, mark
		}
		recent, rerr := timed(ctx, r, PartRecent, c.Bind(d.mark.Format(literalLayout), midnight.AddDate(0, 0, 1).Format(literalLayout)))
		if rerr != nil {
			return nil, rerr
		}
		sum := result.Sum(d.base, recent)
		if sum.Series > c.MaxSeries {
			return nil, &RunError{Reason: result.ReasonCardinality, Reached: true,
				Err: fmt.Errorf("collector %q: base and recent part together: more than %d series: %w", c.Name, c.MaxSeries, ErrTooManySeries)}
		}
		return sum, nil
	})
	return res, parts, err
}

// clock reads the database's NOW(6) as its wall clock, held as UTC. The
// driver returns text, or a time in the DSN's loc with parseTime=true;
// either way the wall clock is what the server printed.
func (r *runConn) clock(ctx context.Context, q string) (time.Time, *RunError) {
	var v any
	if err := r.conn.QueryRowContext(ctx, q).Scan(&v); err != nil {
		return time.Time{}, classify(ctx, "reading the database clock", err, true)
	}
	var now time.Time
	switch v := v.(type) {
	case time.Time:
		now = time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), v.Nanosecond(), time.UTC)
	case []byte:
		var err error
		if now, err = time.Parse("2006-01-02 15:04:05.999999", string(v)); err != nil {
			return time.Time{}, &RunError{Reason: result.ReasonScan, Reached: true, Err: fmt.Errorf("reading the database clock: %w", err)}
		}
	default:
		return time.Time{}, &RunError{Reason: result.ReasonScan, Reached: true, Err: fmt.Errorf("reading the database clock: unexpected %T", v)}
	}
	return now.Truncate(time.Microsecond), nil
}
