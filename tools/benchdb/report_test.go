package main

import (
	"strings"
	"testing"
	"time"
)

func TestWriteReport(t *testing.T) {
	cost := func(name string, interval, run time.Duration, plan plan) collectorCost {
		return collectorCost{name: name, interval: interval, plan: plan,
			runStats: runStats{runs: 1, total: run, max: run, times: []time.Duration{run}, examined: 10, sent: 1}}
	}
	loads := []*loaded{{scenario: scenario{name: "history", clock: 8*time.Hour + 30*time.Minute, historyDays: 90},
		load: loadRecord{rows: 22_000_000, activationRows: 3_000_000, agencyCallRows: 9_000_000, loadSeconds: 600, idxSeconds: 120}}}
	results := []measured{
		{scenario: "history", file: "collectors.yaml", costs: []collectorCost{
			cost("activations", 15*time.Second, 2*time.Millisecond, plan{access: []string{"activation_daily: PRIMARY (ref)"}}),
			cost("switches", 10*time.Second, 2*time.Millisecond, plan{}),
		}},
		{scenario: "history", file: "collectors-live.yaml", costs: []collectorCost{
			cost("agency_calls", 15*time.Second, 40*time.Millisecond, plan{fullScans: []string{"agency_call (9000000 rows)"}}),
		}},
	}
	var b strings.Builder
	writeReport(&b, reportHeader{version: "10.11", source: "slow log", cpus: 2, loadAvg: "4.0 4.0 4.0", runs: 1}, loads, results)
	out := b.String()
	for _, want := range []string{
		"| history | the launch day up to 08:30, 90 days of history | 22000000 | 3000000 | 9000000 | 10m0s (2m0s) |",
		"| scenario | collectors.yaml | collectors-live.yaml |",
		"| history | 5.00 ms | 40.00 ms **over** |", // 2 ms + 2 ms × 1.5
		"| activations | 15s | 2.00 ms / 2.00 ms / 2.00 ms | 2.00 ms | 10 | 1 | 0 | activation_daily: PRIMARY (ref) | ok |",
		"| agency_calls | 15s | 40.00 ms / 40.00 ms / 40.00 ms | 40.00 ms | 10 | 1 | 0 |  | **full scan of agency_call (9000000 rows)** |",
		"| **total** | | | **5.00 ms** |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}
