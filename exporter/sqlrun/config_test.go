package sqlrun

import (
	"strings"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/exporter/config"
)

// parseCollector builds a collector as the exporter does, through
// config.Parse, from the YAML of one entry of the collectors list; the
// mapper trusts what config validated and defaulted, so tests must too.
func parseCollector(t testing.TB, collector string) *config.Collector {
	t.Helper()
	doc := "targets:\n  kos:\n    dsn: x\ncollectors:\n  - " +
		strings.ReplaceAll(strings.TrimSpace(collector), "\n", "\n    ") + "\n"
	cfg, err := config.Parse([]byte(doc), "collectors.yaml")
	if err != nil {
		t.Fatalf("config.Parse:\n%s\n%v", doc, err)
	}
	return cfg.Collectors[0]
}

// gaugeCollector runs sql into the kos_activations gauge. sql and timeout
// are set after parsing: the run tests send what the config check refuses
// (writes, sub-second limits) to test sqlrun's own defences.
func gaugeCollector(t testing.TB, sql string, timeout time.Duration) *config.Collector {
	t.Helper()
	c := parseCollector(t, `
name: activations
sql: SELECT model, n FROM act
interval: 1m
max_series: 100
metrics:
  - {name: kos_activations, type: gauge, help: Activations., labels: [model], value: n}`)
	c.SQL, c.Timeout = sql, timeout
	return c
}
