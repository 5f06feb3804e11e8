package sqlrun

import (
	"fmt"
	"testing"

	"github.com/kos-ops/kos_exporter/exporter/config"
)

// BenchmarkMapper maps text-protocol rows as the MySQL driver delivers
// them: a gauge plus a two-column counter per row, and a histogram with one
// row per bucket.
func BenchmarkMapper(b *testing.B) {
	scalar := parseCollector(b, `
name: bench
sql: SELECT 1
max_series: 1073741824
metrics:
  - {name: kos_stock_units, type: gauge, help: Units., labels: [model, kind], value: ok, const_labels: {part: contract}}
  - {name: kos_calls_total, type: counter, help: Calls., labels: [model, kind], values: [ok, error], value_label: result}`)
	hist := parseCollector(b, `
name: bench
sql: SELECT 1
max_series: 1073741824
metrics:
  - {name: kos_call_duration_seconds, type: histogram, help: Latency., labels: [agency], buckets: [0.1, 0.25, 0.5, 1, 2.5, 5], value: n, sum: s}`)
	bounds := []string{"0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"}

	for _, n := range []int{1_000, 10_000, 100_000} {
		rows := make([][]any, n)
		for i := range rows {
			rows[i] = []any{[]byte(fmt.Sprintf("model-%d", i/4)), []byte(fmt.Sprintf("kind-%d", i%4)), []byte("12.50"), []byte("3")}
		}
		b.Run(fmt.Sprintf("scalar/rows=%d", n), func(b *testing.B) {
			benchmarkRows(b, scalar, []string{"model", "kind", "ok", "error"}, rows)
		})

		hrows := make([][]any, n)
		for i := range hrows {
			hrows[i] = []any{[]byte(fmt.Sprintf("agency-%d", i/len(bounds))), []byte(bounds[i%len(bounds)]), []byte("17"), []byte("4.25")}
		}
		b.Run(fmt.Sprintf("histogram/rows=%d", n), func(b *testing.B) {
			benchmarkRows(b, hist, []string{"agency", "le", "n", "s"}, hrows)
		})
	}
}

func benchmarkRows(b *testing.B, c *config.Collector, columns []string, rows [][]any) {
	b.ReportAllocs()
	for b.Loop() {
		m, err := NewMapper(c, columns)
		if err != nil {
			b.Fatal(err)
		}
		for _, row := range rows {
			if err := m.Add(row); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := m.Finish(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
}
