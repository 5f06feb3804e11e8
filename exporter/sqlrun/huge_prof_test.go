package sqlrun

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/internal/mysqltest"
)

func BenchmarkHugeProf(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("HUGE_ROWS"))
	if n == 0 {
		b.Skip("HUGE_ROWS")
	}
	db := mysqltest.New(b)
	db.Exec(b, "CREATE TABLE huge (id INT, model VARCHAR(32), n INT)")
	for start := 0; start < n; start += 5000 {
		var sb strings.Builder
		sb.WriteString("INSERT INTO huge VALUES ")
		for i := start; i < min(start+5000, n); i++ {
			if i > start {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "(%d,'model_%06d',%d)", i, i, i%1000)
		}
		db.Exec(b, sb.String())
	}
	tgt, err := Open(&config.Target{Name: "kos", DSN: config.Secret(db.DSN), MaxOpenConns: 2})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tgt.Close() })
	c := parseCollector(b, fmt.Sprintf(`
name: huge
sql: SELECT model, n FROM huge
interval: 1m
timeout: 60s
max_series: %d
metrics:
  - {name: kos_huge, type: gauge, help: h, labels: [model], value: n}`, n))
	b.Run("raw", func(b *testing.B) {
		for b.Loop() {
			rawQuery(context.Background(), b, tgt, c.SQL)
		}
	})
	b.Run("run", func(b *testing.B) {
		for b.Loop() {
			if _, err := tgt.Run(context.Background(), c); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			tgt.cleaning.Wait()
			b.StartTimer()
		}
	})
}
