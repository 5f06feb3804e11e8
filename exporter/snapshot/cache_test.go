package snapshot

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestCachedGatherer(t *testing.T) {
	calls := 0
	g := prometheus.NewRegistry()
	g.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "probe", Help: "h"}, func() float64 {
		calls++
		return float64(calls)
	}))
	c := &clock{t: time.Unix(0, 0)}
	cached := CachedGatherer(g, time.Second, c.now)
	value := func() float64 {
		fams, err := cached.Gather()
		if err != nil {
			t.Fatal(err)
		}
		return fams[0].Metric[0].GetGauge().GetValue()
	}
	for _, step := range []struct {
		advance time.Duration
		want    float64
	}{{0, 1}, {500 * time.Millisecond, 1}, {499 * time.Millisecond, 1}, {time.Millisecond, 2}, {0, 2}, {2 * time.Second, 3}} {
		c.add(step.advance)
		if got := value(); got != step.want {
			t.Fatalf("after %v: value %v, want %v (gathers: %d)", step.advance, got, step.want, calls)
		}
	}
}
