package sqlrun

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"time"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/result"
)

// Part names a query of a since_midnight collector's run.
type Part string

// The parts of a since_midnight run: the base counts the database's day
// from midnight to the mark (every settle period), the advance the rows
// the mark passed since the last run (added to the base), the recent part
// from the mark to the next midnight.
const (
	PartBase    Part = "base"
	PartAdvance Part = "advance"
	PartRecent  Part = "recent"
)

// PartRun is one query of a run and how long it took.
type PartRun struct {
	Part Part
	Took time.Duration
}

// ClockSQL reads the database's clock in its session time zone: every
// time a since_midnight query is given comes from it.
const ClockSQL = "SELECT NOW(6)"

// literalLayout formats a time read from the database back as a SQL
// literal; built with time.Format from a parsed time, it can hold nothing
// but digits and separators.
const literalLayout = "'2006-01-02 15:04:05.000000'"

// Day is what a since_midnight collector keeps between runs: the base
// (the day counted up to the mark), when it was counted from midnight,
// and the mark, all on the database's clock. Times are its wall clock,
// held as UTC. One per collector loop: a new loop (start, reload) starts
// with none.
type Day struct {
	clock  string // the statement that reads the clock; tests fix it
	base   *result.Result
	baseAt time.Time // the database's NOW(6) when base was counted from midnight
	mark   time.Time // end of the base, start of the recent part
}

// NewDay returns a Day without a base: the first run counts one.
func NewDay() *Day { return &Day{clock: ClockSQL} }

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

// RunDay runs a since_midnight collector once on one connection. It reads
// the database's clock; when the base is due it counts [midnight, mark),
// mark = NOW(6) − margin but not before midnight; otherwise it counts the
// advance [old mark, new mark) and adds it to the base. Then it counts the
// recent part [mark, next midnight) and returns base + recent. Each run
// so reads the rows of one interval and one margin, and the whole day
// once a settle period. A row timestamped before the mark but committed
// after the mark passed it is left out until the next base: the counters
// stay monotonic and catch up within a settle period. The queries run are
// in parts, also on error. Errors are *RunError.
func (t *Target) RunDay(ctx context.Context, c *config.Collector, d *Day) (*result.Result, []PartRun, error) {
	if c.SinceMidnight == nil {
		return nil, nil, &RunError{Reason: result.ReasonSQL, Err: fmt.Errorf("collector %q has no since_midnight", c.Name)}
	}
	var parts []PartRun
	timed := func(ctx context.Context, r *runConn, p Part, from, to time.Time) (*result.Result, *RunError) {
		began := time.Now()
		res, err := r.query(ctx, c, BindRange(c, from, to))
		parts = append(parts, PartRun{Part: p, Took: time.Since(began)})
		return res, err
	}
	res, err := t.run(ctx, c.Timeout, func(ctx context.Context, r *runConn) (*result.Result, *RunError) {
		now, err := readClock(ctx, r.conn, d.clock)
		if err != nil {
			return nil, classify(ctx, "reading the database clock", err, true)
		}
		var skipped []map[result.Skip]int // of the parts run, reported once
		from, mark := BaseRange(now, c.SinceMidnight.Margin)
		switch {
		case d.due(now, c.SinceMidnight.Settle):
			d.Reset()
			base, rerr := timed(ctx, r, PartBase, from, mark)
			if rerr != nil {
				return nil, rerr
			}
			d.base, d.baseAt, d.mark = base, now, mark
			skipped = append(skipped, base.Skipped)
		case mark.After(d.mark):
			advance, rerr := timed(ctx, r, PartAdvance, d.mark, mark)
			if rerr != nil {
				return nil, rerr
			}
			d.base, d.mark = result.Sum(d.base, advance), mark
			skipped = append(skipped, advance.Skipped)
		}
		_, to := RecentRange(now, d.mark)
		recent, rerr := timed(ctx, r, PartRecent, d.mark, to)
		if rerr != nil {
			return nil, rerr
		}
		sum := result.Sum(d.base, recent)
		for _, sk := range skipped {
			if len(sk) == 0 {
				continue
			}
			sum.Skipped = maps.Clone(sum.Skipped)
			if sum.Skipped == nil {
				sum.Skipped = map[result.Skip]int{}
			}
			for k, n := range sk {
				sum.Skipped[k] += n
			}
		}
		if sum.Series > c.MaxSeries {
			return nil, &RunError{Reason: result.ReasonCardinality, Reached: true,
				Err: fmt.Errorf("collector %q: base and recent part together: more than %d series: %w", c.Name, c.MaxSeries, ErrTooManySeries)}
		}
		return sum, nil
	})
	return res, parts, err
}

// BaseRange is the base's range at the database's time now: from midnight
// to the mark, now − margin but not before midnight.
func BaseRange(now time.Time, margin time.Duration) (from, mark time.Time) {
	y, m, d := now.Date()
	from, mark = time.Date(y, m, d, 0, 0, 0, 0, now.Location()), now.Add(-margin)
	if mark.Before(from) {
		mark = from
	}
	return from, mark
}

// RecentRange is the recent part's range at the database's time now: from
// the mark to the next midnight.
func RecentRange(now, mark time.Time) (from, to time.Time) {
	y, m, d := now.Date()
	return mark, time.Date(y, m, d+1, 0, 0, 0, 0, now.Location())
}

// BindRange is c's query for the range [from, to), given as literals.
func BindRange(c *config.Collector, from, to time.Time) string {
	return c.Bind(from.Format(literalLayout), to.Format(literalLayout))
}

// DatabaseNow reads the database's NOW(6) on conn as its wall clock, held
// as UTC, as a since_midnight run does.
func DatabaseNow(ctx context.Context, conn *sql.Conn) (time.Time, error) {
	return readClock(ctx, conn, ClockSQL)
}

// readClock runs q, which reads a time, and returns it as the database's
// wall clock held as UTC. The driver returns text, or a time in the DSN's
// loc with parseTime=true; either way the wall clock is what the server
// printed.
func readClock(ctx context.Context, conn *sql.Conn, q string) (time.Time, error) {
	var v any
	if err := conn.QueryRowContext(ctx, q).Scan(&v); err != nil {
		return time.Time{}, err
	}
	var now time.Time
	switch v := v.(type) {
	case time.Time:
		now = time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), v.Nanosecond(), time.UTC)
	case []byte:
		var err error
		if now, err = time.Parse("2006-01-02 15:04:05.999999", string(v)); err != nil {
			return time.Time{}, err
		}
	default:
		return time.Time{}, fmt.Errorf("unexpected %T", v)
	}
	return now.Truncate(time.Microsecond), nil
}
