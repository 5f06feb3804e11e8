// Package schedule sends the report of each local hour once, at a fixed
// minute past the next hour, remembering across restarts what was sent.
package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Clock is the time source; tests drive a fake one.
type Clock interface {
	Now() time.Time
	// Sleep waits d or returns ctx's error when it ends first.
	Sleep(ctx context.Context, d time.Duration) error
}

// Store keeps the start of the last hour sent.
type Store interface {
	LastSent() (time.Time, error)
	SetLastSent(hour time.Time) error
}

// Job sends one hour's report per hour.
type Job struct {
	Zone     *time.Location
	AtMinute int // minutes past hh:00 at which the hour before is sent
	Clock    Clock
	Store    Store
	// Send builds and delivers the report of the hour starting at hour. A
	// missing or partial hour is still sent (marked); an error means the
	// message did not get through.
	Send   func(ctx context.Context, hour time.Time) error
	Logger *slog.Logger
}

// Run sends until ctx ends. On start it sends the latest finished hour if
// that has not been sent yet; older unsent hours are skipped (a late burst
// of stale tables helps nobody) and logged.
func (j Job) Run(ctx context.Context) error {
	if j.AtMinute < 0 || j.AtMinute > 59 {
		return fmt.Errorf("minute past the hour %d not in 0..59", j.AtMinute)
	}
	last, err := j.Store.LastSent()
	if err != nil {
		return err
	}
	offset := time.Duration(j.AtMinute) * time.Minute
	for {
		now := j.Clock.Now().In(j.Zone)
		due := hourStart(now.Add(-offset)).Add(-time.Hour) // latest hour whose send time has come
		switch {
		case !last.IsZero() && !due.After(last):
			j.Logger.Debug("Hour already sent", "hour", due)
		default:
			if !last.IsZero() && due.Sub(last) > time.Hour {
				j.Logger.Warn("Skipping unsent hours", "after", last, "before", due)
			}
			if err := j.Send(ctx, due); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				j.Logger.Error("Report not delivered", "hour", due, "err", err)
				break
			}
			if err := j.Store.SetLastSent(due); err != nil {
				return fmt.Errorf("hour %s sent but not recorded: %w", due, err)
			}
			last = due
			j.Logger.Info("Report sent", "hour", due)
		}
		next := due.Add(2 * time.Hour).Add(offset) // send time of the hour after due
		if err := j.Clock.Sleep(ctx, next.Sub(j.Clock.Now())); err != nil {
			return err
		}
	}
}

// hourStart truncates t to its local hour (time.Truncate works in UTC and
// would be wrong in zones with a non-whole-hour offset).
func hourStart(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, t.Hour(), 0, 0, 0, t.Location())
}
