package main

import (
	"slices"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/result"
)

func TestPlanOf(t *testing.T) {
	sizes := map[string]int64{"activation": 3_000_000, "ref_model": 4, "error_queue": 9_000}
	for _, c := range []struct {
		name      string
		rows      []map[string]string
		access    []string
		fullScans []string
	}{
		{
			name:   "covering range (MariaDB)",
			rows:   []map[string]string{{"table": "activation", "type": "range", "key": "activation_requested", "extra": "Using where; Using index; Using temporary"}},
			access: []string{"activation: activation_requested (range, covering)"},
		},
		{
			name:   "index condition is not covering",
			rows:   []map[string]string{{"table": "activation", "type": "ref", "key": "activation_state", "extra": "Using index condition"}},
			access: []string{"activation: activation_state (ref)"},
		},
		{
			name:      "full scan of a big table",
			rows:      []map[string]string{{"table": "activation", "type": "ALL", "key": ""}},
			access:    []string{"activation: no index (ALL)"},
			fullScans: []string{"activation (3000000 rows)"},
		},
		{
			name:      "whole index of a big table",
			rows:      []map[string]string{{"table": "activation", "type": "index", "key": "activation_state", "extra": "Using index"}},
			access:    []string{"activation: activation_state (index, covering)"},
			fullScans: []string{"activation (3000000 rows)"},
		},
		{
			name:   "small tables may be scanned; derived tables are the server's",
			rows:   []map[string]string{{"table": "<derived2>", "type": "ALL"}, {"table": "ref_model", "type": "ALL"}, {"table": "error_queue", "type": "index", "key": "error_queue_enqueued"}},
			access: []string{"ref_model: no index (ALL)", "error_queue: error_queue_enqueued (index)"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := planOf(c.rows, sizes)
			if !slices.Equal(p.access, c.access) || !slices.Equal(p.fullScans, c.fullScans) {
				t.Errorf("got %q, full scans %q; want %q, %q", p.access, p.fullScans, c.access, c.fullScans)
			}
		})
	}
}

func TestCounted(t *testing.T) {
	gauge := func(v float64) *dto.Metric { return &dto.Metric{Gauge: &dto.Gauge{Value: ptr(v)}} }
	res := &result.Result{Families: []result.Family{
		{Name: "kos_activations_in_progress", Type: dto.MetricType_GAUGE, Metrics: []*dto.Metric{gauge(120)}},
		{Name: "kos_activation_oldest_in_progress_age_seconds", Type: dto.MetricType_GAUGE, Metrics: []*dto.Metric{gauge(900)}},
		{Name: "kos_activations_total", Type: dto.MetricType_COUNTER, Metrics: []*dto.Metric{{Counter: &dto.Counter{Value: ptr(30.0)}}}},
		{Name: "kos_agency_call_duration_seconds", Type: dto.MetricType_HISTOGRAM, Metrics: []*dto.Metric{{Histogram: &dto.Histogram{SampleCount: ptr[uint64](7), SampleSum: ptr(99.0)}}}},
	}}
	if got := counted(res); got != 157 {
		t.Errorf("counted %g, want 157: in progress, the counter and the histogram's count, not the age or the sum", got)
	}
}

func TestRowsGoal(t *testing.T) {
	for _, c := range []struct {
		examined, sent int64
		counted        float64
		ok             bool
	}{
		{examined: 1863, sent: 1, counted: 1863, ok: true}, // a gauge counting its pending rows
		{examined: 360, sent: 36, counted: 0, ok: true},    // 10 × sent
		{examined: 36491, sent: 36, counted: 30830, ok: false},
	} {
		cost := collectorCost{interval: 15 * time.Second, runStats: runStats{runs: 2, examined: 2 * c.examined, sent: 2 * c.sent}, counted: c.counted}
		if cost.rowsOK() != c.ok {
			t.Errorf("examined %d, sent %d, counted %g: ok %v, want %v", c.examined, c.sent, c.counted, !c.ok, c.ok)
		}
	}
}

func TestPer15s(t *testing.T) {
	c := collectorCost{interval: 10 * time.Second, runStats: runStats{runs: 3, times: []time.Duration{time.Millisecond, 2 * time.Millisecond, 30 * time.Millisecond}}}
	if got := c.per15s(); got != 3*time.Millisecond {
		t.Errorf("per15s %v, want 3ms: the 2ms median 1.5 times (interval 10s)", got)
	}
}

func ptr[T any](v T) *T { return &v }

// A since_midnight collector is costed as what the exporter runs: the base
// every settle period, the advance and the recent part every interval.
func TestQueriesOf(t *testing.T) {
	cfg, err := config.Parse([]byte(`targets: {kos: {dsn: x}}
collectors:
  - name: plain
    sql: SELECT 1 AS n
    metrics: [{name: kos_n, type: gauge, help: N., value: n}]
  - name: calls
    since_midnight: {settle: 5m, margin: 1m}
    sql: SELECT COUNT(*) AS n FROM calls WHERE t >= ? AND t < ?
    metrics: [{name: kos_calls_total, type: counter, help: N., value: n}]
`), "c.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		now  string
		want []query
	}{
		{"2026-11-30 20:00:00.5", []query{
			{name: "plain", interval: 15 * time.Second, sql: "SELECT 1 AS n"},
			{name: "calls (base)", interval: 5 * time.Minute, sql: "SELECT COUNT(*) AS n FROM calls WHERE t >= '2026-11-30 00:00:00.000000' AND t < '2026-11-30 19:59:00.500000'"},
			{name: "calls (advance)", interval: 15 * time.Second, sql: "SELECT COUNT(*) AS n FROM calls WHERE t >= '2026-11-30 19:58:45.500000' AND t < '2026-11-30 19:59:00.500000'"},
			{name: "calls (recent)", interval: 15 * time.Second, clock: true, sql: "SELECT COUNT(*) AS n FROM calls WHERE t >= '2026-11-30 19:59:00.500000' AND t < '2026-12-01 00:00:00.000000'"},
		}},
		// Just after midnight the base is one minute.
		{"2026-12-01 00:02:00", []query{
			{name: "plain", interval: 15 * time.Second, sql: "SELECT 1 AS n"},
			{name: "calls (base)", interval: 5 * time.Minute, sql: "SELECT COUNT(*) AS n FROM calls WHERE t >= '2026-12-01 00:00:00.000000' AND t < '2026-12-01 00:01:00.000000'"},
			{name: "calls (advance)", interval: 15 * time.Second, sql: "SELECT COUNT(*) AS n FROM calls WHERE t >= '2026-12-01 00:00:45.000000' AND t < '2026-12-01 00:01:00.000000'"},
			{name: "calls (recent)", interval: 15 * time.Second, clock: true, sql: "SELECT COUNT(*) AS n FROM calls WHERE t >= '2026-12-01 00:01:00.000000' AND t < '2026-12-02 00:00:00.000000'"},
		}},
	} {
		now, err := time.Parse("2006-01-02 15:04:05.999999", tt.now)
		if err != nil {
			t.Fatal(err)
		}
		var got []query
		for _, c := range cfg.Collectors {
			got = append(got, queriesOf(c, now)...)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("at %s:\n got %+v\nwant %+v", tt.now, got, tt.want)
		}
	}
}

func TestRunStatsPlus(t *testing.T) {
	q := runStats{runs: 3, total: 30 * time.Millisecond, max: 12 * time.Millisecond, times: []time.Duration{8, 10, 12}, examined: 300, sent: 3}
	clock := runStats{runs: 3, total: 3 * time.Millisecond, max: 2 * time.Millisecond, times: []time.Duration{1, 2, 0}, sent: 3}
	got := q.plus(clock)
	want := runStats{runs: 3, total: 33 * time.Millisecond, max: 14 * time.Millisecond, times: []time.Duration{9, 12, 12}, examined: 300, sent: 6}
	if got.runs != want.runs || got.total != want.total || got.max != want.max || !slices.Equal(got.times, want.times) || got.examined != want.examined || got.sent != want.sent {
		t.Errorf("plus = %+v, want %+v", got, want)
	}
	// Digests know no per-run times and no maximum of an old digest.
	if got := (runStats{runs: 2, total: 4}).plus(runStats{runs: 2, total: 2, max: 1}); got.times != nil || got.max != 0 || got.median() != 3 {
		t.Errorf("plus without times = %+v, median %s; want no times, no max, median 3ns", got, got.median())
	}
}
