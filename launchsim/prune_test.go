package launchsim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/exporter/config"
)

// TestPruningKeepsCountersMonotonic steps runs that delete finished live
// rows as they finish (the default) and that keep them a while: no counter
// may ever drop, and no finished row may outlive the retention.
func TestPruningKeepsCountersMonotonic(t *testing.T) {
	t.Parallel()
	cs := loadCollectors(t)
	counters := map[string]bool{}
	for _, c := range cs {
		for _, m := range c.Metrics {
			counters[m.Name] = m.Type == config.TypeCounter || m.Type == config.TypeHistogram
		}
	}
	for _, tc := range []struct {
		name      string
		retention time.Duration
		kept      time.Duration // finished rows may be this old (pruning runs every 5s)
	}{
		{"deleted as they finish", 0, 0},
		{"kept 15s", 15 * time.Second, 20 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start, end := window(3 * time.Minute)
			r := newRun(t, openDB(t), 11, start, tc.retention)
			prev := series{}
			for r.clock.now.Before(end) {
				r.stepTo(t, r.clock.now.Add(30*time.Second))
				cur := collect(t, r.db, cs)
				for name, ss := range cur.byMetric() {
					if !counters[name] {
						continue
					}
					for k, v := range ss {
						if v < prev[k] {
							t.Errorf("%s dropped from %g to %g", k, prev[k], v)
						}
					}
				}
				prev = cur
			}
			if total(prev.byMetric()["kos_activations_total"]) == 0 {
				t.Fatal("no activations counted")
			}
			cutoff := r.clock.now.Add(-tc.kept).Format(time.DateTime)
			for table, col := range map[string]string{"activation": "finished_at", "mnp_request": "opening_at", "wait_queue": "served_at", "ota_update": "finished_at", "insurance_signup": "finished_at", "error_queue": "finished_at"} {
				var stale, finished, all int
				if err := r.db.QueryRow("SELECT COUNT(*) FROM "+table+" WHERE "+col+" < ?", cutoff).Scan(&stale); err != nil {
					t.Fatal(err)
				}
				if err := r.db.QueryRow("SELECT COUNT(*), COUNT("+col+") FROM "+table).Scan(&all, &finished); err != nil {
					t.Fatal(err)
				}
				if stale != 0 {
					t.Errorf("%s: %d finished rows older than the retention", table, stale)
				}
				if tc.retention == 0 && finished != 0 {
					t.Errorf("%s: %d finished rows kept", table, finished)
				}
				if all == 0 && !strings.HasPrefix(table, "error") {
					t.Errorf("%s is empty: the run proves nothing about pruning", table)
				}
			}
		})
	}
}
