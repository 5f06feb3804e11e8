package sqlrun

import (
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"math"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/result"
)

// txt is how the MySQL text protocol delivers every column.
func txt(s string) []byte { return []byte(s) }

// exposed makes mapped metrics collectable by a (pedantic) registry.
type exposed []prometheus.Metric

func (e exposed) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(e, ch) }

func (e exposed) Collect(ch chan<- prometheus.Metric) {
	for _, m := range e {
		ch <- m
	}
}

// collector parses a collector "act" of the given metrics, each the YAML
// flow mapping of one metric; maxSeries 0 leaves the default.
func collector(t testing.TB, maxSeries int, metrics ...string) *config.Collector {
	t.Helper()
	y := "name: act\nsql: SELECT 1\n"
	if maxSeries > 0 {
		y += fmt.Sprintf("max_series: %d\n", maxSeries)
	}
	y += "metrics:"
	for _, m := range metrics {
		y += "\n  - " + m
	}
	return parseCollector(t, y)
}

func skip(metric, column string, reason result.SkipReason) result.Skip {
	return result.Skip{Metric: metric, Column: column, Reason: reason}
}

// mapAll maps rows that must not fail.
func mapAll(t *testing.T, c *config.Collector, columns []string, rows [][]any) *result.Result {
	t.Helper()
	m, err := NewMapper(c, columns)
	if err != nil {
		t.Fatalf("NewMapper: %v", err)
	}
	for i, row := range rows {
		if err := m.Add(row); err != nil {
			t.Fatalf("Add(row %d): %v", i, err)
		}
	}
	got, err := m.Finish()
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	return got
}

func assertExposition(t *testing.T, metrics []prometheus.Metric, want string) {
	t.Helper()
	if err := testutil.CollectAndCompare(exposed(metrics), strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}

const (
	stockGauge        = `{name: kos_stock_units, type: gauge, help: Units in stock., labels: [model, kind], value: n, const_labels: {part: contract}}`
	activationCounter = `{name: kos_activations_total, type: counter, help: Activations today., labels: [model], value: n}`
	callsCounter      = `{name: kos_agency_calls_total, type: counter, help: Agency calls by result., labels: [agency], values: [ok, error], value_label: result}`
	durationHistogram = `{name: kos_agency_call_duration_seconds, type: histogram, help: Agency call latency., labels: [agency], bucket_column: le, buckets: [0.1, 0.5, 1], value: n, sum: s}`
)

var histColumns = []string{"agency", "le", "n", "s"}

func TestMapper(t *testing.T) {
	tests := []struct {
		name    string
		sum     bool // duplicates: sum
		metrics []string
		columns []string
		rows    [][]any
		want    string
		series  int
		skipped map[result.Skip]int
	}{
		{
			name:    "gauge with labels and const labels",
			metrics: []string{stockGauge},
			columns: []string{"model", "kind", "n"},
			rows: [][]any{
				{txt("x1"), txt("new"), txt("12.50")},
				{txt("x1"), txt("port"), txt("3")},
				{txt("x2"), txt("new"), int64(7)},
			},
			want: `
# HELP kos_stock_units Units in stock.
# TYPE kos_stock_units gauge
kos_stock_units{kind="new",model="x1",part="contract"} 12.5
kos_stock_units{kind="port",model="x1",part="contract"} 3
kos_stock_units{kind="new",model="x2",part="contract"} 7
`,
			series: 3,
		},
		{
			name:    "counter",
			metrics: []string{activationCounter},
			columns: []string{"model", "n"},
			rows:    [][]any{{txt("x1"), txt("5")}, {txt("x2"), txt("0")}},
			want: `
# HELP kos_activations_total Activations today.
# TYPE kos_activations_total counter
kos_activations_total{model="x1"} 5
kos_activations_total{model="x2"} 0
`,
			series: 2,
		},
		{
			name:    "negative counter dropped",
			metrics: []string{activationCounter},
			columns: []string{"model", "n"},
			rows:    [][]any{{txt("x1"), txt("-1")}, {txt("x2"), int64(-3)}, {txt("x3"), txt("4")}},
			want: `
# HELP kos_activations_total Activations today.
# TYPE kos_activations_total counter
kos_activations_total{model="x3"} 4
`,
			series:  1,
			skipped: map[result.Skip]int{skip("kos_activations_total", "n", result.SkipNegativeCounter): 2},
		},
		{
			name:    "negative gauge kept",
			metrics: []string{stockGauge},
			columns: []string{"model", "kind", "n"},
			rows:    [][]any{{txt("x1"), txt("new"), txt("-2")}},
			want: `
# HELP kos_stock_units Units in stock.
# TYPE kos_stock_units gauge
kos_stock_units{kind="new",model="x1",part="contract"} -2
`,
			series: 1,
		},
		{
			name:    "values with value_label",
			metrics: []string{callsCounter},
			columns: []string{"agency", "ok", "error"},
			rows: [][]any{
				{txt("A"), txt("10"), txt("2")},
				{txt("B"), nil, txt("1")},
			},
			want: `
# HELP kos_agency_calls_total Agency calls by result.
# TYPE kos_agency_calls_total counter
kos_agency_calls_total{agency="A",result="ok"} 10
kos_agency_calls_total{agency="A",result="error"} 2
kos_agency_calls_total{agency="B",result="error"} 1
`,
			series:  3,
			skipped: map[result.Skip]int{skip("kos_agency_calls_total", "ok", result.SkipNullValue): 1},
		},
		{
			name:    "values duplicate is per value column",
			metrics: []string{callsCounter},
			columns: []string{"agency", "ok", "error"},
			rows: [][]any{
				{txt("A"), nil, txt("2")},
				{txt("A"), txt("10"), txt("3")},
			},
			want: `
# HELP kos_agency_calls_total Agency calls by result.
# TYPE kos_agency_calls_total counter
kos_agency_calls_total{agency="A",result="ok"} 10
kos_agency_calls_total{agency="A",result="error"} 2
`,
			series: 2,
			skipped: map[result.Skip]int{
				skip("kos_agency_calls_total", "ok", result.SkipNullValue):    1,
				skip("kos_agency_calls_total", "error", result.SkipDuplicate): 1,
			},
		},
		{
			name:    "histogram",
			metrics: []string{durationHistogram},
			columns: histColumns,
			rows: [][]any{
				{txt("A"), txt("0.1"), txt("3"), txt("0.25")},
				{txt("A"), txt("0.5"), txt("2"), txt("0.5")},
				{txt("A"), txt("1"), txt("1"), txt("1")},
				{txt("A"), txt("+Inf"), txt("1"), txt("4")},
				{txt("B"), txt("1"), int64(2), float64(1.5)},
			},
			want: `
# HELP kos_agency_call_duration_seconds Agency call latency.
# TYPE kos_agency_call_duration_seconds histogram
kos_agency_call_duration_seconds_bucket{agency="A",le="0.1"} 3
kos_agency_call_duration_seconds_bucket{agency="A",le="0.5"} 5
kos_agency_call_duration_seconds_bucket{agency="A",le="1"} 6
kos_agency_call_duration_seconds_bucket{agency="A",le="+Inf"} 7
kos_agency_call_duration_seconds_sum{agency="A"} 5.75
kos_agency_call_duration_seconds_count{agency="A"} 7
kos_agency_call_duration_seconds_bucket{agency="B",le="0.1"} 0
kos_agency_call_duration_seconds_bucket{agency="B",le="0.5"} 0
kos_agency_call_duration_seconds_bucket{agency="B",le="1"} 2
kos_agency_call_duration_seconds_bucket{agency="B",le="+Inf"} 2
kos_agency_call_duration_seconds_sum{agency="B"} 1.5
kos_agency_call_duration_seconds_count{agency="B"} 2
`,
			series: 12,
		},
		{
			name:    "histogram missing buckets are zero",
			metrics: []string{durationHistogram},
			columns: histColumns,
			rows:    [][]any{{txt("A"), txt("0.5"), txt("2"), txt("0.5")}},
			want: `
# HELP kos_agency_call_duration_seconds Agency call latency.
# TYPE kos_agency_call_duration_seconds histogram
kos_agency_call_duration_seconds_bucket{agency="A",le="0.1"} 0
kos_agency_call_duration_seconds_bucket{agency="A",le="0.5"} 2
kos_agency_call_duration_seconds_bucket{agency="A",le="1"} 2
kos_agency_call_duration_seconds_bucket{agency="A",le="+Inf"} 2
kos_agency_call_duration_seconds_sum{agency="A"} 0.5
kos_agency_call_duration_seconds_count{agency="A"} 2
`,
			series: 6,
		},
		{
			name:    "histogram +Inf spellings",
			metrics: []string{durationHistogram},
			columns: histColumns,
			rows: [][]any{
				{txt("A"), txt("+Inf"), txt("1"), txt("2")},
				{txt("B"), txt("inf"), txt("1"), txt("2")},
				{txt("C"), "Inf", txt("1"), txt("2")},
				{txt("D"), txt("+INF"), txt("1"), txt("2")},
				{txt("E"), math.Inf(1), txt("1"), txt("2")},
			},
			want: `
# HELP kos_agency_call_duration_seconds Agency call latency.
# TYPE kos_agency_call_duration_seconds histogram
` + infHistogram("A") + infHistogram("B") + infHistogram("C") + infHistogram("D") + infHistogram("E"),
			series: 30,
		},
		{
			name:    "histogram bound compared as a number",
			metrics: []string{durationHistogram},
			columns: histColumns,
			rows: [][]any{
				{txt("A"), txt("1.0"), txt("1"), txt("1")},
				{txt("A"), float64(0.5), txt("1"), txt("0.5")},
				{txt("A"), txt("1e-1"), txt("1"), txt("0.125")},
			},
			want: `
# HELP kos_agency_call_duration_seconds Agency call latency.
# TYPE kos_agency_call_duration_seconds histogram
kos_agency_call_duration_seconds_bucket{agency="A",le="0.1"} 1
kos_agency_call_duration_seconds_bucket{agency="A",le="0.5"} 2
kos_agency_call_duration_seconds_bucket{agency="A",le="1"} 3
kos_agency_call_duration_seconds_bucket{agency="A",le="+Inf"} 3
kos_agency_call_duration_seconds_sum{agency="A"} 1.625
kos_agency_call_duration_seconds_count{agency="A"} 3
`,
			series: 6,
		},
		{
			name:    "histogram bad buckets",
			metrics: []string{durationHistogram},
			columns: histColumns,
			rows: [][]any{
				{txt("A"), txt("0.3"), txt("1"), txt("1")},  // not declared
				{txt("A"), nil, txt("1"), txt("1")},         // NULL
				{txt("A"), txt("fast"), txt("1"), txt("1")}, // unparsable
				{txt("A"), txt("-Inf"), txt("1"), txt("1")}, // not +Inf
				{txt("B"), txt("2"), txt("1"), txt("1")},    // whole series dropped
				{txt("A"), txt("1"), txt("4"), txt("2")},
			},
			want: `
# HELP kos_agency_call_duration_seconds Agency call latency.
# TYPE kos_agency_call_duration_seconds histogram
kos_agency_call_duration_seconds_bucket{agency="A",le="0.1"} 0
kos_agency_call_duration_seconds_bucket{agency="A",le="0.5"} 0
kos_agency_call_duration_seconds_bucket{agency="A",le="1"} 4
kos_agency_call_duration_seconds_bucket{agency="A",le="+Inf"} 4
kos_agency_call_duration_seconds_sum{agency="A"} 2
kos_agency_call_duration_seconds_count{agency="A"} 4
`,
			series:  6,
			skipped: map[result.Skip]int{skip("kos_agency_call_duration_seconds", "le", result.SkipBadBucket): 5},
		},
		{
			name:    "histogram duplicate bucket row",
			metrics: []string{durationHistogram},
			columns: histColumns,
			rows: [][]any{
				{txt("A"), txt("0.1"), txt("1"), txt("0.0625")},
				{txt("A"), txt("1e-1"), txt("9"), txt("0.5")},
				{txt("A"), txt("+Inf"), txt("1"), txt("2")},
				{txt("A"), txt("inf"), txt("9"), txt("9")},
			},
			want: `
# HELP kos_agency_call_duration_seconds Agency call latency.
# TYPE kos_agency_call_duration_seconds histogram
kos_agency_call_duration_seconds_bucket{agency="A",le="0.1"} 1
kos_agency_call_duration_seconds_bucket{agency="A",le="0.5"} 1
kos_agency_call_duration_seconds_bucket{agency="A",le="1"} 1
kos_agency_call_duration_seconds_bucket{agency="A",le="+Inf"} 2
kos_agency_call_duration_seconds_sum{agency="A"} 2.0625
kos_agency_call_duration_seconds_count{agency="A"} 2
`,
			series:  6,
			skipped: map[result.Skip]int{skip("kos_agency_call_duration_seconds", "le", result.SkipDuplicate): 2},
		},
		{
			name:    "histogram bad counts and sums",
			metrics: []string{durationHistogram},
			columns: histColumns,
			rows: [][]any{
				{txt("A"), txt("0.1"), nil, txt("1")},
				{txt("A"), txt("0.1"), txt("1"), nil},
				{txt("A"), txt("0.1"), txt("many"), txt("1")},
				{txt("A"), txt("0.1"), txt("1.5"), txt("1")},
				{txt("A"), txt("0.1"), txt("1e300"), txt("1")},
				{txt("A"), txt("0.1"), txt("NaN"), txt("1")},
				{txt("A"), txt("0.1"), txt("-1"), txt("1")},
				{txt("A"), txt("0.1"), txt("1"), txt("slow")},
				{txt("A"), txt("0.1"), txt("2.00"), txt("0.125")}, // first good row for this bucket
			},
			want: `
# HELP kos_agency_call_duration_seconds Agency call latency.
# TYPE kos_agency_call_duration_seconds histogram
kos_agency_call_duration_seconds_bucket{agency="A",le="0.1"} 2
kos_agency_call_duration_seconds_bucket{agency="A",le="0.5"} 2
kos_agency_call_duration_seconds_bucket{agency="A",le="1"} 2
kos_agency_call_duration_seconds_bucket{agency="A",le="+Inf"} 2
kos_agency_call_duration_seconds_sum{agency="A"} 0.125
kos_agency_call_duration_seconds_count{agency="A"} 2
`,
			series: 6,
			skipped: map[result.Skip]int{
				skip("kos_agency_call_duration_seconds", "n", result.SkipNullValue):       1,
				skip("kos_agency_call_duration_seconds", "s", result.SkipNullValue):       1,
				skip("kos_agency_call_duration_seconds", "n", result.SkipNonNumeric):      4,
				skip("kos_agency_call_duration_seconds", "n", result.SkipNegativeCounter): 1,
				skip("kos_agency_call_duration_seconds", "s", result.SkipNonNumeric):      1,
			},
		},
		{
			name:    "histogram default bucket column",
			metrics: []string{`{name: kos_wait_seconds, type: histogram, help: Wait., buckets: [1, 5], value: n, sum: s}`},
			columns: []string{"le", "n", "s"},
			rows:    [][]any{{txt("1"), txt("1"), txt("1")}, {txt("5"), txt("1"), txt("3")}},
			want: `
# HELP kos_wait_seconds Wait.
# TYPE kos_wait_seconds histogram
kos_wait_seconds_bucket{le="1"} 1
kos_wait_seconds_bucket{le="5"} 2
kos_wait_seconds_bucket{le="+Inf"} 2
kos_wait_seconds_sum 4
kos_wait_seconds_count 2
`,
			series: 5,
		},
		{
			name:    "null label keeps the series",
			metrics: []string{stockGauge},
			columns: []string{"model", "kind", "n"},
			rows:    [][]any{{nil, txt("new"), txt("1")}, {txt("x1"), nil, txt("2")}},
			want: `
# HELP kos_stock_units Units in stock.
# TYPE kos_stock_units gauge
kos_stock_units{kind="new",model="",part="contract"} 1
kos_stock_units{kind="",model="x1",part="contract"} 2
`,
			series: 2,
			skipped: map[result.Skip]int{
				skip("kos_stock_units", "model", result.SkipNullLabel): 1,
				skip("kos_stock_units", "kind", result.SkipNullLabel):  1,
			},
		},
		{
			name:    "invalid label drops the row",
			metrics: []string{stockGauge},
			columns: []string{"model", "kind", "n"},
			rows: [][]any{
				{txt("x\xff"), txt("new"), txt("1")},
				{txt("x1"), "\xc3", txt("1")},
				{txt("x1"), sql.RawBytes("ok"), txt("2")},
			},
			want: `
# HELP kos_stock_units Units in stock.
# TYPE kos_stock_units gauge
kos_stock_units{kind="ok",model="x1",part="contract"} 2
`,
			series: 1,
			skipped: map[result.Skip]int{
				skip("kos_stock_units", "model", result.SkipInvalidLabel): 1,
				skip("kos_stock_units", "kind", result.SkipInvalidLabel):  1,
			},
		},
		{
			name:    "duplicate label set keeps the first row",
			metrics: []string{stockGauge},
			columns: []string{"model", "kind", "n"},
			rows: [][]any{
				{txt("x1"), txt("new"), txt("1")},
				{txt("x1"), txt("new"), txt("2")},
				{"x1", "new", int64(3)},
				{txt("x1"), txt("port"), txt("4")},
			},
			want: `
# HELP kos_stock_units Units in stock.
# TYPE kos_stock_units gauge
kos_stock_units{kind="new",model="x1",part="contract"} 1
kos_stock_units{kind="port",model="x1",part="contract"} 4
`,
			series:  2,
			skipped: map[result.Skip]int{skip("kos_stock_units", "n", result.SkipDuplicate): 2},
		},
		{
			name:    "duplicate after a dropped sample is the first",
			metrics: []string{stockGauge},
			columns: []string{"model", "kind", "n"},
			rows:    [][]any{{txt("x1"), txt("new"), nil}, {txt("x1"), txt("new"), txt("5")}},
			want: `
# HELP kos_stock_units Units in stock.
# TYPE kos_stock_units gauge
kos_stock_units{kind="new",model="x1",part="contract"} 5
`,
			series:  1,
			skipped: map[result.Skip]int{skip("kos_stock_units", "n", result.SkipNullValue): 1},
		},
		{
			name:    "label boundaries are not ambiguous",
			metrics: []string{stockGauge},
			columns: []string{"model", "kind", "n"},
			rows:    [][]any{{txt("x"), txt("yz"), txt("1")}, {txt("xy"), txt("z"), txt("2")}, {txt(""), txt("xyz"), txt("3")}},
			want: `
# HELP kos_stock_units Units in stock.
# TYPE kos_stock_units gauge
kos_stock_units{kind="yz",model="x",part="contract"} 1
kos_stock_units{kind="z",model="xy",part="contract"} 2
kos_stock_units{kind="xyz",model="",part="contract"} 3
`,
			series: 3,
		},
		{
			name:    "null and non-numeric values",
			metrics: []string{activationCounter},
			columns: []string{"model", "n"},
			rows: [][]any{
				{txt("a"), nil},
				{txt("b"), txt("")},
				{txt("c"), txt("12abc")},
				{txt("d"), "n/a"},
				{txt("e"), txt("1e400")},
				{txt("f"), struct{}{}},
				{txt("g"), txt("1")},
				// strconv.ParseFloat reads these; a counter must not.
				{txt("h"), txt("NaN")},
				{txt("i"), txt("+Inf")},
				{txt("j"), txt("-Inf")},
				{txt("k"), txt("infinity")},
				{txt("l"), txt("1_000")},
				{txt("m"), txt("0x1p-2")},
				{txt("n"), txt("0x10")},
				{txt("o"), math.NaN()},
			},
			want: `
# HELP kos_activations_total Activations today.
# TYPE kos_activations_total counter
kos_activations_total{model="g"} 1
`,
			series: 1,
			skipped: map[result.Skip]int{
				skip("kos_activations_total", "n", result.SkipNullValue):  1,
				skip("kos_activations_total", "n", result.SkipNonNumeric): 13,
			},
		},
		{
			name:    "case-insensitive column match, exact match first",
			metrics: []string{activationCounter},
			columns: []string{"MODEL", "N", "n"},
			rows:    [][]any{{txt("x1"), txt("1"), txt("2")}},
			want: `
# HELP kos_activations_total Activations today.
# TYPE kos_activations_total counter
kos_activations_total{model="x1"} 2
`,
			series: 1,
		},
		{
			name:    "several metrics from one query",
			metrics: []string{activationCounter, callsCounter},
			columns: []string{"model", "agency", "n", "ok", "error"},
			rows: [][]any{
				{txt("x1"), txt("A"), txt("3"), txt("2"), txt("1")},
				{txt("x1"), txt("B"), txt("3"), txt("5"), txt("0")},
			},
			want: `
# HELP kos_activations_total Activations today.
# TYPE kos_activations_total counter
kos_activations_total{model="x1"} 3
# HELP kos_agency_calls_total Agency calls by result.
# TYPE kos_agency_calls_total counter
kos_agency_calls_total{agency="A",result="ok"} 2
kos_agency_calls_total{agency="A",result="error"} 1
kos_agency_calls_total{agency="B",result="ok"} 5
kos_agency_calls_total{agency="B",result="error"} 0
`,
			series:  5,
			skipped: map[result.Skip]int{skip("kos_activations_total", "n", result.SkipDuplicate): 1},
		},
		{
			name:    "no rows",
			metrics: []string{stockGauge, durationHistogram},
			columns: []string{"model", "kind", "n", "agency", "le", "s"},
			want:    "",
		},
		{
			name:    "duplicates: sum adds up gauge rows of one label set",
			sum:     true,
			metrics: []string{stockGauge},
			columns: []string{"model", "kind", "n"},
			rows: [][]any{
				{txt("x1"), txt("new"), txt("1")},
				{txt("x1"), txt("port"), txt("4")},
				{txt("x1"), txt("new"), txt("2.5")},
				{"x1", "new", nil},
			},
			want: `
# HELP kos_stock_units Units in stock.
# TYPE kos_stock_units gauge
kos_stock_units{kind="new",model="x1",part="contract"} 3.5
kos_stock_units{kind="port",model="x1",part="contract"} 4
`,
			series:  2,
			skipped: map[result.Skip]int{skip("kos_stock_units", "n", result.SkipNullValue): 1},
		},
		{
			name:    "duplicates: sum adds up counter branches, each filling its value column",
			sum:     true,
			metrics: []string{callsCounter},
			columns: []string{"agency", "ok", "error"},
			rows: [][]any{
				{txt("sgi"), txt("7"), txt("0")},
				{txt("kait"), txt("1"), txt("0")},
				{txt("sgi"), txt("0"), txt("2")},
				{txt("sgi"), txt("3"), txt("-1")},
			},
			want: `
# HELP kos_agency_calls_total Agency calls by result.
# TYPE kos_agency_calls_total counter
kos_agency_calls_total{agency="kait",result="error"} 0
kos_agency_calls_total{agency="kait",result="ok"} 1
kos_agency_calls_total{agency="sgi",result="error"} 2
kos_agency_calls_total{agency="sgi",result="ok"} 10
`,
			series:  4,
			skipped: map[result.Skip]int{skip("kos_agency_calls_total", "error", result.SkipNegativeCounter): 1},
		},
		{
			name:    "duplicates: sum adds up histogram bucket rows",
			sum:     true,
			metrics: []string{durationHistogram},
			columns: histColumns,
			rows: [][]any{
				{txt("A"), txt("0.1"), txt("1"), txt("0.0625")},
				{txt("A"), txt("+Inf"), txt("1"), txt("2")},
				{txt("A"), txt("0.1"), txt("2"), txt("0.125")},
			},
			want: `
# HELP kos_agency_call_duration_seconds Agency call latency.
# TYPE kos_agency_call_duration_seconds histogram
kos_agency_call_duration_seconds_bucket{agency="A",le="0.1"} 3
kos_agency_call_duration_seconds_bucket{agency="A",le="0.5"} 3
kos_agency_call_duration_seconds_bucket{agency="A",le="1"} 3
kos_agency_call_duration_seconds_bucket{agency="A",le="+Inf"} 4
kos_agency_call_duration_seconds_sum{agency="A"} 2.1875
kos_agency_call_duration_seconds_count{agency="A"} 4
`,
			series:  6,
			skipped: map[result.Skip]int{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := collector(t, 1000, tt.metrics...)
			c.SumDuplicates = tt.sum
			got := mapAll(t, c, tt.columns, tt.rows)
			assertExposition(t, allMetrics(got), tt.want)
			if got.Series != tt.series {
				t.Errorf("Series = %d, want %d", got.Series, tt.series)
			}
			if !maps.Equal(got.Skipped, tt.skipped) {
				t.Errorf("Skipped = %v, want %v", got.Skipped, tt.skipped)
			}
		})
	}
}

// infHistogram is the exposition of a durationHistogram series with one
// observation above every declared bound and a sum of 2.
func infHistogram(agency string) string {
	return fmt.Sprintf(`kos_agency_call_duration_seconds_bucket{agency=%[1]q,le="0.1"} 0
kos_agency_call_duration_seconds_bucket{agency=%[1]q,le="0.5"} 0
kos_agency_call_duration_seconds_bucket{agency=%[1]q,le="1"} 0
kos_agency_call_duration_seconds_bucket{agency=%[1]q,le="+Inf"} 1
kos_agency_call_duration_seconds_sum{agency=%[1]q} 2
kos_agency_call_duration_seconds_count{agency=%[1]q} 1
`, agency)
}

// TestNewMapperErrors covers the one thing config cannot know: whether the
// query returns the configured columns.
func TestNewMapperErrors(t *testing.T) {
	pos := config.Pos{File: "collectors.yaml", Line: 9} // the metric's line in the parsed file
	tests := []struct {
		name    string
		metric  string
		columns []string
		want    string
	}{
		{
			name:    "missing label column",
			metric:  stockGauge,
			columns: []string{"model", "n"},
			want:    `collectors.yaml:9: collector "act" metric "kos_stock_units": column "kind" not in query result (it returned "model", "n")`,
		},
		{
			name:    "missing value columns",
			metric:  callsCounter,
			columns: []string{"Agency", "total"},
			want:    `collectors.yaml:9: collector "act" metric "kos_agency_calls_total": columns "ok", "error" not in query result (it returned "Agency", "total")`,
		},
		{
			name:    "missing histogram columns",
			metric:  durationHistogram,
			columns: []string{"agency", "n"},
			want:    `collectors.yaml:9: collector "act" metric "kos_agency_call_duration_seconds": columns "le", "s" not in query result (it returned "agency", "n")`,
		},
		{
			name:    "query returned no columns",
			metric:  activationCounter,
			columns: nil,
			want:    `collectors.yaml:9: collector "act" metric "kos_activations_total": columns "model", "n" not in query result (it returned none)`,
		},
		{
			name:    "column named twice reported once",
			metric:  `{name: kos_x, type: gauge, help: X., labels: [v], value: v}`,
			columns: []string{"n"},
			want:    `collectors.yaml:9: collector "act" metric "kos_x": column "v" not in query result (it returned "n")`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewMapper(collector(t, 10, tt.metric), tt.columns)
			if err == nil {
				t.Fatalf("NewMapper succeeded (%v), want error %q", m, tt.want)
			}
			var cerr *config.Error
			if !errors.As(err, &cerr) {
				t.Fatalf("error %v is %T, want *config.Error", err, err)
			}
			if cerr.Pos != pos {
				t.Errorf("Pos = %v, want %v", cerr.Pos, pos)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestMapperMaxSeries(t *testing.T) {
	const hist = `{name: kos_h, type: histogram, help: H., labels: [a], buckets: [1, 2], value: n, sum: s}`
	// Each distinct a yields a histogram of 2+1 buckets, sum and count: 5 series.
	histRows := func(n int) [][]any {
		var rows [][]any
		for i := range n {
			a := txt(fmt.Sprint(i))
			rows = append(rows, []any{a, txt("1"), txt("1"), txt("1")}, []any{a, txt("2"), txt("1"), txt("1")})
		}
		return rows
	}
	gaugeRows := func(n int) [][]any {
		rows := make([][]any, n)
		for i := range rows {
			rows[i] = []any{txt(fmt.Sprint(i)), txt("1")}
		}
		return rows
	}
	const gauge = `{name: kos_g, type: gauge, help: G., labels: [a], value: n}`
	const pair = `{name: kos_p, type: gauge, help: P., labels: [a], values: [n, m], value_label: v}`
	pairRows := [][]any{{txt("x"), txt("1"), txt("2")}, {txt("y"), txt("1"), txt("2")}}
	histColumns := []string{"a", "le", "n", "s"}

	tests := []struct {
		name      string
		maxSeries int
		metric    string
		columns   []string
		rows      [][]any
		failRow   int // -1: no failure
		limit     int
	}{
		{"gauge at the limit", 3, gauge, []string{"a", "n"}, gaugeRows(3), -1, 3},
		{"gauge over the limit", 3, gauge, []string{"a", "n"}, gaugeRows(5), 3, 3},
		{"duplicates do not count", 1, gauge, []string{"a", "n"}, [][]any{{txt("x"), txt("1")}, {txt("x"), txt("2")}}, -1, 1},
		{"several values per row", 3, pair, []string{"a", "n", "m"}, pairRows, 1, 3},
		{"histogram at the limit", 10, hist, histColumns, histRows(2), -1, 10},
		{"histogram over the limit", 9, hist, histColumns, histRows(2), 2, 9},
		{"default limit", 0, gauge, []string{"a", "n"}, gaugeRows(config.DefaultMaxSeries + 1), config.DefaultMaxSeries, config.DefaultMaxSeries},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewMapper(collector(t, tt.maxSeries, tt.metric), tt.columns)
			if err != nil {
				t.Fatal(err)
			}
			failed := -1
			for i, row := range tt.rows {
				if err = m.Add(row); err != nil {
					failed = i
					break
				}
			}
			if failed != tt.failRow {
				t.Fatalf("first failing row = %d (%v), want %d", failed, err, tt.failRow)
			}
			got, ferr := m.Finish()
			if tt.failRow < 0 {
				if ferr != nil {
					t.Fatalf("Finish: %v", ferr)
				}
				if got.Series != tt.limit {
					t.Errorf("Series = %d, want %d", got.Series, tt.limit)
				}
				return
			}
			want := fmt.Sprintf(`collector "act": more than %d series: too many series`, tt.limit)
			if !errors.Is(err, ErrTooManySeries) || err.Error() != want {
				t.Errorf("Add error = %v, want %s wrapping ErrTooManySeries", err, want)
			}
			if again := m.Add(tt.rows[0]); !errors.Is(again, ErrTooManySeries) {
				t.Errorf("Add after the limit = %v, want ErrTooManySeries", again)
			}
			if got != nil || !errors.Is(ferr, ErrTooManySeries) {
				t.Errorf("Finish = %v, %v; want nil, ErrTooManySeries", got, ferr)
			}
		})
	}
}

func TestMapperRowWidth(t *testing.T) {
	m, err := NewMapper(collector(t, 10, activationCounter), []string{"model", "n"})
	if err != nil {
		t.Fatal(err)
	}
	want := `collector "act": row has 1 values for 2 columns`
	if err := m.Add([]any{txt("x")}); err == nil || err.Error() != want {
		t.Errorf("Add = %v, want %s", err, want)
	}
	if _, err := m.Finish(); err == nil || err.Error() != want {
		t.Errorf("Finish = %v, want %s", err, want)
	}
}

// FuzzMapperAdd checks that no bytes from the database make the mapper
// panic or produce something the registry refuses, and that every row
// either yields a series or is counted as dropped.
func FuzzMapperAdd(f *testing.F) {
	f.Add([]byte("x"), []byte("1"), []byte("0.1"))
	f.Add([]byte("\xff"), []byte("NaN"), []byte("+Inf"))
	f.Add([]byte(""), []byte("-1"), []byte("inf"))
	f.Add([]byte("a\x00b"), []byte("1e400"), []byte("0x1p-2"))
	f.Add([]byte("é"), []byte("9007199254740993"), []byte("1.0"))
	gauge := collector(f, 100, `{name: kos_g, type: gauge, help: G., labels: [l], value: v}`)
	hist := collector(f, 100, `{name: kos_h, type: histogram, help: H., labels: [l], buckets: [0.1, 0.25, 1], value: n, sum: s}`)
	f.Fuzz(func(t *testing.T, label, value, bound []byte) {
		for _, run := range []struct {
			c       *config.Collector
			columns []string
			row     []any
		}{
			{gauge, []string{"l", "v"}, []any{label, value}},
			{hist, []string{"l", "le", "n", "s"}, []any{label, bound, value, value}},
		} {
			m, err := NewMapper(run.c, run.columns)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Add(run.row); err != nil {
				t.Fatal(err)
			}
			got, err := m.Finish()
			if err != nil {
				t.Fatal(err)
			}
			dropped := 0
			for _, n := range got.Skipped {
				dropped += n
			}
			if (len(allMetrics(got)) == 1) == (dropped > 0) {
				t.Fatalf("%d metrics and %v skipped; want exactly one of them", len(allMetrics(got)), got.Skipped)
			}
			reg := prometheus.NewPedanticRegistry()
			if err := reg.Register(exposed(allMetrics(got))); err != nil {
				t.Fatal(err)
			}
			if _, err := reg.Gather(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
