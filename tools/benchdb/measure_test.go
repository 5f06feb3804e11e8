package main

import (
	"slices"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

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
