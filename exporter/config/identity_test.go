package config

import (
	"strings"
	"testing"
)

const identityBase = `targets:
  kos: {dsn: "root@tcp(db:3306)/kos"}
  other: {dsn: "root@tcp(db:3306)/other", max_open_conns: 3}
collectors:
  - name: act
    target: kos
    sql: SELECT model, n FROM act
    metrics:
      - {name: kos_act, type: gauge, help: Act., labels: [model], value: n, const_labels: {part: a}}
      - {name: kos_wait_seconds, type: histogram, help: Wait., buckets: [1, 5], value: c, sum: s}
`

// parseVariant parses identityBase with old replaced by new.
func parseVariant(t *testing.T, file, old, new string) *Config {
	t.Helper()
	if !strings.Contains(identityBase, old) {
		t.Fatalf("%q not in the base config", old)
	}
	cfg, err := Parse([]byte(strings.Replace(identityBase, old, new, 1)), file)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestCollectorRevision(t *testing.T) {
	base := parseVariant(t, "collectors.yaml", "", "").Collectors[0]
	tests := []struct {
		name, file, old, new string
		same                 bool
	}{
		{"identical", "collectors.yaml", "", "", true},
		{"moved down the file", "collectors.yaml", "collectors:\n", "\n# moved\n\ncollectors:\n", true},
		{"another file", "elsewhere.yml", "", "", true},
		{"defaults spelled out", "collectors.yaml", "    target: kos\n", "    target: kos\n    interval: 15s\n    timeout: 5s\n    max_series: 10000\n", true},
		{"default bucket column spelled out", "collectors.yaml", "buckets: [1, 5]", "bucket_column: le, buckets: [1, 5]", true},
		{"sql", "collectors.yaml", "FROM act", "FROM act2", false},
		{"target", "collectors.yaml", "target: kos", "target: other", false},
		{"interval", "collectors.yaml", "    target: kos\n", "    target: kos\n    interval: 30s\n", false},
		{"inherited interval", "collectors.yaml", "collectors:\n", "global: {interval: 30s}\ncollectors:\n", false},
		{"timeout", "collectors.yaml", "    target: kos\n", "    target: kos\n    timeout: 10s\n", false},
		{"staleness", "collectors.yaml", "    target: kos\n", "    target: kos\n    staleness: 1h\n", false},
		{"max_series", "collectors.yaml", "    target: kos\n", "    target: kos\n    max_series: 5\n", false},
		{"help", "collectors.yaml", "help: Act.", "help: Activations.", false},
		{"labels", "collectors.yaml", "labels: [model]", "labels: [model, kind]", false},
		{"const label value", "collectors.yaml", "part: a", "part: b", false},
		{"buckets", "collectors.yaml", "[1, 5]", "[1, 10]", false},
		{"metric dropped", "collectors.yaml", "      - {name: kos_wait_seconds, type: histogram, help: Wait., buckets: [1, 5], value: c, sum: s}\n", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := parseVariant(t, tt.file, tt.old, tt.new).Collectors[0]
			if same := c.Revision() == base.Revision(); same != tt.same {
				t.Errorf("same revision = %v, want %v\n base %s\n this %s", same, tt.same, base.Revision(), c.Revision())
			}
		})
	}
}

func TestTargetEqual(t *testing.T) {
	base := parseVariant(t, "collectors.yaml", "", "")
	tests := []struct {
		name, file, old, new string
		equal                bool
	}{
		{"identical", "collectors.yaml", "", "", true},
		{"moved down the file", "collectors.yaml", "targets:\n", "# moved\n\ntargets:\n", true},
		{"another file", "elsewhere.yml", "", "", true},
		{"max_open_conns default spelled out", "collectors.yaml", `/kos"}`, `/kos", max_open_conns: 2}`, true},
		{"dsn", "collectors.yaml", "db:3306)/kos", "db2:3306)/kos", false},
		{"dsn_file", "collectors.yaml", `dsn: "root@tcp(db:3306)/kos"`, "dsn_file: /run/secrets/kos", false},
		{"max_open_conns", "collectors.yaml", `/kos"}`, `/kos", max_open_conns: 4}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := parseVariant(t, tt.file, tt.old, tt.new)
			if got := cfg.Targets[0].Equal(base.Targets[0]); got != tt.equal {
				t.Errorf("Equal = %v, want %v\n base %v\n this %v", got, tt.equal, base.Targets[0], cfg.Targets[0])
			}
		})
	}
	if base.Targets[0].Equal(base.Targets[1]) {
		t.Errorf("targets kos and other are equal")
	}
}
