package delivery

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestPolicy(t *testing.T) {
	flaky, refused := errors.New("flaky"), errors.New("refused")
	for _, tc := range []struct {
		name    string
		answers []error // in order; the last repeats
		sleep   error   // what every sleep returns
		want    string
		calls   int
		waits   []time.Duration
	}{
		{name: "at once", answers: []error{nil}, calls: 1},
		{name: "after two failures", answers: []error{flaky, flaky, nil}, calls: 3, waits: []time.Duration{time.Second, 2 * time.Second}},
		{name: "waits stop growing at max", answers: []error{flaky}, want: "giving up after 5 attempts: flaky", calls: 5,
			waits: []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}},
		{name: "permanent: no retry", answers: []error{flaky, permanent{refused}}, want: "refused", calls: 2, waits: []time.Duration{time.Second}},
		{name: "cancelled while waiting", answers: []error{flaky}, sleep: context.Canceled, want: "stopped retrying: context canceled (last error: flaky)", calls: 1,
			waits: []time.Duration{time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var waits []time.Duration
			p := policy{attempts: 5, initial: time.Second, max: 3 * time.Second, sleep: func(_ context.Context, d time.Duration) error {
				waits = append(waits, d)
				return tc.sleep
			}}
			calls := 0
			err := p.do(context.Background(), func(context.Context) error {
				calls++
				return tc.answers[min(calls, len(tc.answers))-1]
			})
			if got := errString(err); got != tc.want {
				t.Errorf("do error %q, want %q", got, tc.want)
			}
			if calls != tc.calls || !slices.Equal(waits, tc.waits) {
				t.Errorf("%d calls, waits %v; want %d, %v", calls, waits, tc.calls, tc.waits)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestSleep(t *testing.T) {
	if err := sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("sleep: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleep after cancel: %v, want context.Canceled", err)
	}
}
