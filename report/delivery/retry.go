package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// policy is how often and how patiently to retry: exponential backoff until
// the operation succeeds, fails permanently, runs out of attempts or is
// cancelled.
type policy struct {
	attempts int           // total tries, at least 1
	initial  time.Duration // wait after the first failure; doubles each time
	max      time.Duration // longest wait
	// sleep waits d or until ctx ends; tests replace it to run without waiting.
	sleep func(ctx context.Context, d time.Duration) error
}

// sleep waits d, or returns ctx's error when it ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// permanent marks an error that another attempt cannot fix.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// do calls fn until it returns nil or a permanent error, or attempts run out.
func (p policy) do(ctx context.Context, fn func(ctx context.Context) error) error {
	wait := p.initial
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if errors.As(err, new(permanent)) {
			return err
		}
		if attempt >= p.attempts {
			return fmt.Errorf("giving up after %d attempts: %w", attempt, err)
		}
		if serr := p.sleep(ctx, wait); serr != nil {
			return fmt.Errorf("stopped retrying: %w (last error: %w)", serr, err)
		}
		wait = min(2*wait, p.max)
	}
}
