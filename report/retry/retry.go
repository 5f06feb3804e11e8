// Package retry runs an operation again with exponential backoff until it
// succeeds, fails permanently, runs out of attempts or is cancelled.
package retry

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Policy is how often and how patiently to retry.
type Policy struct {
	Attempts int           // total tries, at least 1
	Initial  time.Duration // wait after the first failure; doubles each time
	Max      time.Duration // longest wait
	// Sleep waits d or until ctx ends; tests replace it to run without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Sleep waits d, or returns ctx's error when it ends first.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// Permanent marks an error that another attempt cannot fix.
func Permanent(err error) error { return permanent{err} }

// Do calls fn until it returns nil or a Permanent error, or attempts run out.
func (p Policy) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	wait := p.Initial
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if errors.As(err, new(permanent)) {
			return err
		}
		if attempt >= p.Attempts {
			return fmt.Errorf("giving up after %d attempts: %w", attempt, err)
		}
		if serr := p.Sleep(ctx, wait); serr != nil {
			return fmt.Errorf("stopped retrying: %w (last error: %w)", serr, err)
		}
		wait = min(2*wait, p.Max)
	}
}
