package scheduler

import (
	"fmt"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/exporter/config"
)

func TestFirstRunOffsetSpreadsCollectorsOverTheInterval(t *testing.T) {
	tests := []struct {
		name              string
		interval, timeout time.Duration
		window            time.Duration // offsets must fall in [0, window)
	}{
		{"default interval", 15 * time.Second, 5 * time.Second, 10 * time.Second},
		{"timeout close to interval", 10 * time.Second, 9 * time.Second, 5 * time.Second},
		{"hourly, bounded by the limit", time.Hour, 5 * time.Second, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// 200 collectors over 5 targets, as the load check runs them.
			const buckets = 10
			var counts [buckets]int
			for i := range 200 {
				c := &config.Collector{Name: fmt.Sprintf("c%03d", i), Target: fmt.Sprintf("t%d", i%5), Interval: tt.interval, Timeout: tt.timeout}
				off := firstRunOffset(c, time.Minute)
				if off < 0 || off >= tt.window {
					t.Fatalf("offset of %s/%s = %v, want within [0, %v)", c.Target, c.Name, off, tt.window)
				}
				if again := firstRunOffset(c, time.Minute); again != off {
					t.Fatalf("offset of %s/%s not deterministic: %v then %v", c.Target, c.Name, off, again)
				}
				counts[int(off*buckets/tt.window)]++
			}
			// 20 per tenth of the window on average; a herd would fill one.
			for i, n := range counts {
				if n < 8 || n > 32 {
					t.Errorf("tenth %d of the window holds %d of 200 first runs (want 8–32): %v", i, n, counts)
				}
			}
		})
	}
}

func TestFirstRunOffsetIsZeroWithoutWindow(t *testing.T) {
	c := &config.Collector{Name: "c", Target: "t", Interval: 15 * time.Second, Timeout: 5 * time.Second}
	if off := firstRunOffset(c, 0); off != 0 {
		t.Errorf("offset with a zero limit = %v, want 0", off)
	}
}
