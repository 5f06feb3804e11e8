package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/internal/safefile"
)

// Secrets in testdata and testEnv; no error text may contain them.
const (
	envDSN     = "kos:s3cret@tcp(db:3306)/kos"
	fileDSN    = "billing:t0psecret@tcp(billing:3306)/billing"
	secretPart = "s3cret"
	filePart   = "t0psecret"
)

func testEnv(name string) (string, bool) {
	v, ok := map[string]string{"KOS_DSN": envDSN, "EMPTY": ""}[name]
	return v, ok
}

// loadTestdata runs Load on testdata/name with testEnv and the real files.
func loadTestdata(name string) (*Config, error) {
	return load(filepath.Join("testdata", name), Options{}, testEnv, safefile.ReadRegular)
}

func TestLoadBadConfigs(t *testing.T) {
	tests := []struct {
		file string
		want []string // without the "testdata/<file>:" prefix
	}{
		{"syntax.bad.yml", []string{
			// yaml.v3 reports where the flow sequence starts, 0-based.
			`3: invalid YAML: did not find expected ',' or ']'`,
		}},
		{"unknown_keys.bad.yml", []string{
			`2: global: unknown key "intervall"`,
			`6: target "kos": unknown key "dns"`,
			`9: collector "activations": unknown key "sqll"`,
			`16: collector "activations" metric "kos_activations_total": unknown key "label"`,
			`17: unknown key "collector"`,
		}},
		{"duplicate_keys.bad.yml", []string{
			`4: targets: key "kos" already set at line 2`,
			`9: collector "activations": key "sql" already set at line 8`,
			`17: collector "activations" metric "kos_activations_total": const_labels: key "part" already set at line 16`,
		}},
		{"missing_collector_fields.bad.yml", []string{
			`5: collector #1: missing required key "name"`,
			`5: collector #1: missing required key "sql"`,
			`5: collector #1: missing required key "metrics"`,
			`6: collector "activations": missing required key "metrics"`,
		}},
		{"missing_metric_fields.bad.yml", []string{
			`8: collector "activations" metric #1: missing required key "name"`,
			`8: collector "activations" metric #1: missing required key "type"`,
			`8: collector "activations" metric #1: missing required key "help"`,
			`8: collector "activations" metric #1: one of value or values is required`,
			`9: collector "activations" metric "kos_activations_total": missing required key "help"`,
			`9: collector "activations" metric "kos_activations_total": one of value or values is required`,
		}},
		{"targets.bad.yml", []string{
			`2: target "kos": dsn and dsn_file are mutually exclusive`,
			`5: target "empty": one of dsn or dsn_file is required`,
			`6: target "bad-name": invalid name: must match [a-zA-Z_][a-zA-Z0-9_]*`,
			`10: target "conns": max_open_conns must be at least 1, got 0`,
		}},
		{"since_midnight.bad.yml", []string{
			`13: collector "gauge_inside" metric "kos_calls_now": a since_midnight collector counts rows of the day: its metrics must be counters or histograms, not gauge`,
			`18: collector "odd_placeholders": sql: a since_midnight query takes its time ranges as pairs of placeholders ("t >= ? AND t < ?"), found 3 placeholder(s)`,
			`22: collector "no_placeholders": sql: a since_midnight query takes its time ranges as pairs of placeholders ("t >= ? AND t < ?"), found 0 placeholder(s)`,
			`26: collector "swapped": sql: placeholder 1 of 2 must be the start of a time range: column >= ? (compared once, as that)`,
			`30: collector "reused": sql: placeholder 3 of 4 must be the start of a time range: column >= ? (compared once, as that)`,
			`34: collector "bad_settings": since_midnight: unknown key "every"`,
			`34: collector "bad_settings": since_midnight: settle 30s is shorter than interval 1m0s`,
			`34: collector "bad_settings": since_midnight: margin must be from 0s to 1h, got 2h0m0s`,
			`39: collector "still_refused": sql: locking clause "FOR UPDATE" is not allowed: a war-room query must never block the system it watches`,
			`42: collector "plain": sql: placeholder "?" is not allowed (only a since_midnight collector's time ranges take placeholders)`,
		}},
		{"duplicates.bad.yml", []string{
			`6: collector "merged": duplicates "add": must be drop (keep the first row of a label set) or sum (add their values)`,
			`11: collector "listed": duplicates: expected a scalar, got a sequence`,
		}},
		{"collector_names.bad.yml", []string{
			`5: collector "bad-name": invalid name: must match [a-zA-Z_][a-zA-Z0-9_]*`,
			`13: collector "dup": duplicate collector name, first declared at line 9`,
		}},
		{"unknown_target.bad.yml", []string{
			`6: collector "activations": unknown target "kso"`,
		}},
		{"target_omitted_many.bad.yml", []string{
			`7: collector "activations": target omitted but 2 targets are defined (kos, billing)`,
		}},
		{"target_omitted_none.bad.yml", []string{
			`2: collector "activations": target omitted and no targets are defined`,
		}},
		{"metric_names.bad.yml", []string{
			`8: collector "names" metric "1kos_total": invalid name: must match [a-zA-Z_:][a-zA-Z0-9_:]*`,
			`9: collector "names" metric "kos-x_total": invalid name: must match [a-zA-Z_:][a-zA-Z0-9_:]*`,
			`10: collector "names" metric "kos_exporter_up": name uses reserved prefix "kos_exporter_"`,
			`11: collector "names" metric "go_threads": name uses reserved prefix "go_"`,
			`12: collector "names" metric "process_open_fds": name uses reserved prefix "process_"`,
		}},
		{"label_names.bad.yml", []string{
			`12: collector "labels" metric "kos_calls_total": invalid label name "model-name": must match [a-zA-Z_][a-zA-Z0-9_]*`,
			`13: collector "labels" metric "kos_calls_total": invalid label name "__meta": names starting with "__" are reserved`,
			`14: collector "labels" metric "kos_calls_total": invalid label name "0part": must match [a-zA-Z_][a-zA-Z0-9_]*`,
			`16: collector "labels" metric "kos_calls_total": invalid label name "result kind": must match [a-zA-Z_][a-zA-Z0-9_]*`,
		}},
		{"label_duplicates.bad.yml", []string{
			`11: collector "labels" metric "kos_calls_total": label "agency" already declared in labels`,
			`13: collector "labels" metric "kos_calls_total": label "model" already declared in labels`,
			`15: collector "labels" metric "kos_calls_total": label "agency" already declared in labels`,
		}},
		{"histogram_le.bad.yml", []string{
			`11: collector "latency" metric "kos_call_duration_seconds": label "le" is reserved for histogram buckets`,
			`12: collector "latency" metric "kos_call_duration_seconds": label "le" is reserved for histogram buckets`,
		}},
		{"unknown_type.bad.yml", []string{
			`8: collector "activations" metric "kos_latency_seconds": unknown type "summary": must be gauge, counter or histogram`,
		}},
		{"type_suffixes.bad.yml", []string{
			`8: collector "activations" metric "kos_activations": counter name must end in "_total"`,
			`9: collector "activations" metric "kos_queue_total": gauge name must not end in "_total"`,
		}},
		{"histogram_suffixes.bad.yml", []string{
			`8: collector "latency" metric "kos_a_total": histogram name must not end in "_total"`,
			`9: collector "latency" metric "kos_b_bucket": histogram name must not end in "_bucket"`,
			`10: collector "latency" metric "kos_c_sum": histogram name must not end in "_sum"`,
			`11: collector "latency" metric "kos_d_count": histogram name must not end in "_count"`,
		}},
		{"value_values.bad.yml", []string{
			`8: collector "calls" metric "kos_a_total": value and values are mutually exclusive`,
			`9: collector "calls" metric "kos_b_total": one of value or values is required`,
		}},
		{"value_label.bad.yml", []string{
			`8: collector "calls" metric "kos_a_total": values requires value_label`,
			`9: collector "calls" metric "kos_b_total": value_label requires values`,
			`10: collector "calls" metric "kos_c_total": values lists "ok" twice`,
			`11: collector "calls" metric "kos_d_total": values must not be empty`,
		}},
		{"histogram_required.bad.yml", []string{
			`8: collector "latency" metric "kos_call_duration_seconds": histogram requires value (the per-bucket count column)`,
			`8: collector "latency" metric "kos_call_duration_seconds": histogram requires sum`,
			`8: collector "latency" metric "kos_call_duration_seconds": histogram requires buckets`,
			`11: collector "latency" metric "kos_call_duration_seconds": histogram cannot use values`,
		}},
		{"buckets.bad.yml", []string{
			`13: collector "latency" metric "kos_call_duration_seconds": buckets must be strictly increasing, got 0.25 after 0.5`,
			`15: collector "latency" metric "kos_call_duration_seconds": buckets must be strictly increasing, got 1 after 1`,
			`16: collector "latency" metric "kos_call_duration_seconds": buckets must be finite, got +Inf (+Inf is implied)`,
			`17: collector "latency" metric "kos_call_duration_seconds": buckets must be finite, got +Inf (+Inf is implied)`,
			`18: collector "latency" metric "kos_call_duration_seconds": buckets[6]: expected a number`,
		}},
		{"non_histogram_fields.bad.yml", []string{
			`12: collector "queue" metric "kos_queue_depth": bucket_column is only valid for histograms`,
			`13: collector "queue" metric "kos_queue_depth": buckets is only valid for histograms`,
			`14: collector "queue" metric "kos_queue_depth": sum is only valid for histograms`,
		}},
		{"durations.bad.yml", []string{
			`2: global: interval must be positive, got 0s`,
			`3: global: timeout: invalid duration "15", want e.g. "15s"`,
			`9: collector "activations": interval must be positive, got -1s`,
			`10: collector "activations": timeout 1m0s is longer than interval 15s (inherited)`,
			`11: collector "activations": staleness must be positive, got 0s`,
		}},
		{"minimum_durations.bad.yml", []string{
			`2: global: interval 500ms is below the minimum 1s`,
			`3: global: timeout 100ms is below the minimum 1s`,
			`9: collector "typo": interval 1ms is below the minimum 1s`,
			`15: collector "fast_timeout": timeout 999ms is below the minimum 1s`,
		}},
		{"timeout_interval.bad.yml", []string{
			`2: global: timeout 5s (default) is longer than interval 4s`,
			`8: collector "activations": timeout 10s is longer than interval 4s (inherited)`,
		}},
		{"staleness.bad.yml", []string{
			`8: collector "activations": staleness 30s (inherited) is shorter than interval 1m0s`,
			`13: collector "orders": staleness 10s is shorter than interval 15s (inherited)`,
		}},
		{"limits.bad.yml", []string{
			`2: global: max_series must be at least 1, got 0`,
			`6: target "kos": max_open_conns: expected an integer`,
			`9: collector "activations": max_series must be at least 1, got -5`,
		}},
		{"empty_sql.bad.yml", []string{
			`6: collector "blank": sql must not be empty`,
			`10: collector "null_sql": sql must not be empty`,
		}},
		{"sql_not_read_only.bad.yml", []string{
			`5: collector "writer": sql: must be a read-only query (SELECT, WITH … SELECT, UNION, VALUES, TABLE or SHOW), not "INSERT"`,
			`8: collector "ddl": sql: must be a read-only query (SELECT, WITH … SELECT, UNION, VALUES, TABLE or SHOW), not "DROP"`,
			`13: collector "locking": sql: locking clause "FOR UPDATE" is not allowed: a war-room query must never block the system it watches`,
			`24: collector "executable_comment": sql: executable comment "/*!" is not allowed (the server runs its contents)`,
			`27: collector "split_lock": sql: locking clause "LOCK IN SHARE MODE" is not allowed: a war-room query must never block the system it watches`,
			`30: collector "outfile": sql: INTO OUTFILE is not allowed (it writes a file on the database server)`,
			`35: collector "named_lock": sql: function GET_LOCK has side effects (takes a named lock that stays with the pooled connection)`,
			`38: collector "set_statement": sql: SET STATEMENT is not allowed (it changes session limits such as max_statement_time)`,
			`41: collector "hint": sql: optimizer hint "/*+" is not allowed (the server acts on it: MAX_EXECUTION_TIME, SET_VAR, ...)`,
			`44: collector "unparsable": sql: cannot be parsed as one MySQL query, so it cannot be checked: syntax error at position 50 near 'EXAMINED'`,
			`47: collector "shown": sql: SHOW GRANTS is not allowed: SHOW is limited to STATUS, VARIABLES, TABLE STATUS, REPLICA (SLAVE) STATUS and BINARY LOG (MASTER) STATUS`,
		}},
		{"metric_duplicate.bad.yml", []string{
			`9: collector "activations" metric "kos_activations_total": metric already declared in this collector at line 8`,
		}},
		{"metric_conflict.bad.yml", []string{
			`13: collector "b" metric "kos_calls_total": declared differently in collector "a" at line 8: help differs; labels [agency part] vs [agency]`,
			`18: collector "c" metric "kos_queue": declared differently in collector "a" at line 9: type histogram vs gauge`,
		}},
		{"empty.bad.yml", []string{
			`1: config is empty`,
		}},
		{"wrong_kinds.bad.yml", []string{
			`1: global: expected a mapping, got a scalar`,
			`3: targets: expected a mapping, got a sequence`,
			`5: collector "activations": target omitted and no targets are defined`,
			`6: collector "activations": sql: expected a scalar, got a sequence`,
			`11: collector "activations" metric "kos_activations_total": labels: expected a sequence, got a scalar`,
			`12: collector "activations" metric "kos_activations_total": const_labels: expected a mapping, got a sequence`,
			// No conflict with line 8: a malformed metric is not compared.
			`14: collector "more": target omitted and no targets are defined`,
		}},
		{"env.bad.yml", []string{
			`3: target "kos": dsn: environment variable "KOS_PASSWORD" is not set (nor "KOS_PASSWORD_FILE")`,
			`3: target "kos": dsn: environment variable "KOS_DB" is not set (nor "KOS_DB_FILE")`,
			`5: target "billing": dsn: malformed variable reference, want ${NAME}`,
			`7: target "blank": dsn is empty after expanding environment variables`,
		}},
		{"dsn_file.bad.yml", []string{
			`3: target "kos": dsn_file: open testdata/secrets/missing.dsn: no such file or directory`,
			`5: target "blank": dsn_file "testdata/secrets/blank.dsn" is empty`,
		}},
		{"metrics_empty.bad.yml", []string{
			`7: collector "activations": metrics must not be empty`,
		}},
		{"collectors_empty.bad.yml", []string{
			`4: collectors must not be empty`,
		}},
		{"collectors_missing.bad.yml", []string{
			`1: missing required key "collectors"`,
		}},
		{"multiple_documents.bad.yml", []string{
			`4: multiple YAML documents are not supported`,
		}},
		{"top_level_sequence.bad.yml", []string{
			`1: expected a mapping, got a sequence`,
		}},
	}

	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			cfg, err := loadTestdata(tt.file)
			if err == nil {
				t.Fatalf("Load succeeded, want errors")
			}
			if cfg != nil {
				t.Errorf("Load returned a config along with errors")
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, want Errors: %v", err, err)
			}
			path := filepath.Join("testdata", tt.file)
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = path + ":" + w
			}
			if got := err.Error(); got != strings.Join(want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
			}
			for _, e := range errs {
				if e.Pos.File != path || e.Pos.Line < 1 {
					t.Errorf("error %q has position %v", e, e.Pos)
				}
			}
		})
	}

	// Every bad file must be in the table.
	files, err := filepath.Glob("testdata/*.bad.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("%s has no expected errors in the table", f)
		}
	}
}

func TestErrorsNeverContainDSN(t *testing.T) {
	// Every bad file, plus DSNs in places where a careless message would
	// quote them.
	files, err := filepath.Glob("testdata/*.bad.yml")
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[f] = string(data)
	}
	const tail = "collectors:\n  - {name: a, sql: SELECT 1 AS n, metrics: [{name: kos_a_total, type: counter, help: H., value: n}]}\n"
	for name, targets := range map[string]string{
		"dsn as a list":          "targets:\n  kos:\n    dsn: [" + envDSN + "]\n",
		"dsn as a mapping":       "targets:\n  kos:\n    dsn: {" + envDSN + ": x}\n",
		"dsn in a misspelt key":  "targets:\n  kos:\n    dns: " + envDSN + "\n",
		"dsn in max_open_conns":  "targets:\n  kos:\n    dsn: x\n    max_open_conns: " + envDSN + "\n",
		"dsn with a bad ${":      "targets:\n  kos:\n    dsn: " + envDSN + "${\n",
		"dsn with an unset var":  "targets:\n  kos:\n    dsn: " + envDSN + "${UNSET}\n",
		"dsn twice":              "targets:\n  kos:\n    dsn: " + envDSN + "\n    dsn: " + envDSN + "\n",
		"dsn and dsn_file":       "targets:\n  kos:\n    dsn: " + envDSN + "\n    dsn_file: /nonexistent\n",
		"bad escape in dsn":      "targets:\n  kos:\n    dsn: \"" + envDSN + "\\q\"\n",
		"unterminated dsn quote": "targets:\n  kos:\n    dsn: \"" + envDSN + "\n",
	} {
		inputs[name] = targets + tail
	}
	for name, text := range inputs {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "collectors.yml")
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := load(path, Options{}, testEnv, safefile.ReadRegular)
			if err == nil {
				t.Fatal("Load succeeded, want errors")
			}
			for _, secret := range []string{secretPart, filePart} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error text contains the DSN:\n%v", err)
				}
			}
		})
	}
}

func TestLoadGoodConfigs(t *testing.T) {
	tests := []struct {
		file string
		want func(file string) *Config
	}{
		{"minimal.good.yml", func(file string) *Config {
			return &Config{
				File: file,
				Global: Global{
					Interval:  DefaultInterval,
					Timeout:   DefaultTimeout,
					MaxSeries: DefaultMaxSeries,
				},
				Targets: []*Target{{
					Name:         "kos",
					DSN:          "kos:pw@tcp(db:3306)/kos",
					MaxOpenConns: DefaultMaxOpenConns,
					Pos:          Pos{file, 2},
				}},
				Collectors: []*Collector{{
					Name:      "activations",
					Target:    "kos",
					SQL:       "SELECT model, COUNT(*) AS n FROM activation GROUP BY model",
					Interval:  DefaultInterval,
					Timeout:   DefaultTimeout,
					Staleness: DefaultStalenessFactor * DefaultInterval,
					MaxSeries: DefaultMaxSeries,
					Pos:       Pos{file, 5},
					Metrics: []*Metric{{
						Name:   "kos_activations_total",
						Type:   TypeCounter,
						Help:   "Activations today by model.",
						Labels: []string{"model"},
						Value:  "n",
						Pos:    Pos{file, 9},
					}},
				}},
			}
		}},
		{"full.good.yml", func(file string) *Config {
			activations := func(line int, labels ...string) *Metric {
				return &Metric{
					Name:        "kos_activations_total",
					Type:        TypeCounter,
					Help:        "Activations today by model and kind.",
					Labels:      labels,
					ConstLabels: map[string]string{"part": "contract"},
					Value:       "n",
					Pos:         Pos{file, line},
				}
			}
			return &Config{
				File:   file,
				Global: Global{Interval: 30 * time.Second, Timeout: 10 * time.Second, Staleness: 2 * time.Minute, MaxSeries: 500},
				Targets: []*Target{
					{Name: "kos", DSN: envDSN, MaxOpenConns: 4, Pos: Pos{file, 7}},
					{Name: "billing", DSN: fileDSN, DSNFile: "testdata/secrets/kos.dsn", MaxOpenConns: DefaultMaxOpenConns, Pos: Pos{file, 10}},
				},
				Collectors: []*Collector{
					{
						Name: "activations", Target: "kos",
						SQL:      "SELECT model, kind, COUNT(*) AS n FROM activation GROUP BY model, kind",
						Interval: 30 * time.Second, Timeout: 10 * time.Second, Staleness: 2 * time.Minute, MaxSeries: 500,
						Metrics: []*Metric{activations(17, "model", "kind")},
						Pos:     Pos{file, 13},
					},
					{
						Name: "agency_calls", Target: "billing",
						SQL:      "SELECT agency, ok, error FROM agency_calls",
						Interval: 10 * time.Second, Timeout: 2 * time.Second, Staleness: time.Minute, MaxSeries: 50,
						Metrics: []*Metric{{
							Name:       "kos_agency_calls_total",
							Type:       TypeCounter,
							Help:       "Outside agency calls by result.",
							Labels:     []string{"agency"},
							Values:     []string{"ok", "error"},
							ValueLabel: "result",
							Pos:        Pos{file, 31},
						}},
						Pos: Pos{file, 23},
					},
					{
						Name: "agency_latency", Target: "kos",
						SQL:      "SELECT agency, le, n, s FROM agency_latency",
						Interval: time.Minute, Timeout: 10 * time.Second, Staleness: 2 * time.Minute, MaxSeries: 500,
						Metrics: []*Metric{
							{
								Name:         "kos_agency_call_duration_seconds",
								Type:         TypeHistogram,
								Help:         "Outside agency call latency.",
								Labels:       []string{"agency"},
								Value:        "n",
								BucketColumn: DefaultBucketColumn,
								Buckets:      []float64{0.1, 0.25, 0.5, 1, 2.5, 5},
								Sum:          "s",
								Pos:          Pos{file, 42},
							},
							activations(50, "kind", "model"),
						},
						Pos: Pos{file, 37},
					},
					{
						Name: "queue", Target: "kos",
						SQL:      "SELECT bound, n, age FROM wait_queue",
						Interval: 30 * time.Second, Timeout: 10 * time.Second, Staleness: 5 * time.Minute, MaxSeries: 500,
						SumDuplicates: true,
						Metrics: []*Metric{{
							Name:         "kos_wait_queue_age_seconds",
							Type:         TypeHistogram,
							Help:         "Age of waiting items.",
							Value:        "n",
							BucketColumn: "bound",
							Buckets:      []float64{60, 300},
							Sum:          "age",
							Pos:          Pos{file, 62},
						}},
						Pos: Pos{file, 56},
					},
				},
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			cfg, err := loadTestdata(tt.file)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want := tt.want(filepath.Join("testdata", tt.file))
			if !reflect.DeepEqual(cfg, want) {
				t.Errorf("config:\n%s\nwant:\n%s", dump(cfg), dump(want))
			}
			// DeepEqual cannot see through the redaction that dump applies.
			for i, tgt := range cfg.Targets {
				if tgt.DSN != want.Targets[i].DSN {
					t.Errorf("target %q: DSN differs from the expected one", tgt.Name)
				}
			}
		})
	}
}

// dump shows a config for a failure message, DSNs redacted.
func dump(cfg *Config) string {
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func TestParseDoesNoIO(t *testing.T) {
	data, err := os.ReadFile("testdata/full.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(data, "conf/collectors.yml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got := cfg.Target("kos").DSN; got != "${KOS_DSN}" {
		t.Errorf("kos DSN after Parse is not the unexpanded reference")
	}
	billing := cfg.Target("billing")
	if billing.DSN != "" {
		t.Errorf("billing DSN was read by Parse")
	}
	if want := filepath.Join("conf", "secrets", "kos.dsn"); billing.DSNFile != want {
		t.Errorf("DSNFile = %q, want %q", billing.DSNFile, want)
	}
}

func TestLoadFromDisk(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kos.dsn"), []byte("  "+fileDSN+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(dir, "abs.dsn")
	if err := os.WriteFile(abs, []byte(envDSN), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "collectors.yml")
	text := "targets:\n  kos: {dsn_file: kos.dsn}\n  abs: {dsn_file: " + abs + "}\n" +
		"collectors:\n  - {name: a, target: kos, sql: SELECT 1 AS n, metrics: [{name: kos_a_total, type: counter, help: H., value: n}]}\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Target("kos").DSN != fileDSN {
		t.Errorf("relative dsn_file: DSN is not the trimmed file content")
	}
	if cfg.Target("abs").DSN != envDSN {
		t.Errorf("absolute dsn_file: DSN is not the file content")
	}

	if _, err := Load(filepath.Join(dir, "missing.yml")); err == nil || !strings.HasPrefix(err.Error(), "read config: ") {
		t.Errorf("Load of a missing file: err = %v, want a read config error", err)
	}
}

func TestExpandEnv(t *testing.T) {
	vars := map[string]string{"USER": "kos", "PASS": "p$w}", "EMPTY": ""}
	lookup := func(name string) (string, error) {
		if v, ok := vars[name]; ok {
			return v, nil
		}
		return "", fmt.Errorf("%s unset", name)
	}
	tests := []struct {
		name, in, want string
		problems       []string
		ok             bool
	}{
		{"no reference", "kos:pw@tcp(db)/kos", "kos:pw@tcp(db)/kos", nil, true},
		{"whole", "${USER}", "kos", nil, true},
		{"several", "${USER}:${PASS}@tcp(db)/${USER}", "kos:p$w}@tcp(db)/kos", nil, true},
		{"lone dollar kept", "kos:p$w@tcp(db)/kos", "kos:p$w@tcp(db)/kos", nil, true},
		{"set but empty", "${EMPTY}", "", nil, true},
		{"unset", "${USER}:${NOPE}@${ALSO}", "kos:@", []string{"NOPE unset", "ALSO unset"}, true},
		{"unterminated", "${USER", "", nil, false},
		{"bad name", "${1X}", "", nil, false},
		{"empty name", "${}", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems, ok := expandEnv(tt.in, lookup)
			var msgs []string
			for _, p := range problems {
				msgs = append(msgs, p.Error())
			}
			if got != tt.want || !reflect.DeepEqual(msgs, tt.problems) || ok != tt.ok {
				t.Errorf("expandEnv(%q) = %q, %q, %v; want %q, %q, %v", tt.in, got, msgs, ok, tt.want, tt.problems, tt.ok)
			}
		})
	}
}

// The DSN (or a part of it) can come from the file named by NAME_FILE, as a
// mounted Secret or a systemd credential provides it.
func TestLookupVarFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	secret := write("dsn", "kos:s3cret@tcp(db:3306)/kos\n")
	blank := write("blank", " \n")
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{"variable", map[string]string{"KOS_DSN": "a@tcp(db)/kos"}, "a@tcp(db)/kos", ""},
		{"file, trimmed", map[string]string{"KOS_DSN_FILE": secret}, "kos:s3cret@tcp(db:3306)/kos", ""},
		{"both set", map[string]string{"KOS_DSN": "x", "KOS_DSN_FILE": secret}, "", `environment variables "KOS_DSN" and "KOS_DSN_FILE" are both set: set one`},
		{"neither", nil, "", `environment variable "KOS_DSN" is not set (nor "KOS_DSN_FILE")`},
		{"missing file", map[string]string{"KOS_DSN_FILE": filepath.Join(dir, "nope")}, "", "KOS_DSN_FILE: open " + filepath.Join(dir, "nope") + ": no such file or directory"},
		{"blank file", map[string]string{"KOS_DSN_FILE": blank}, "", `KOS_DSN_FILE: file "` + blank + `" is empty`},
		{"directory", map[string]string{"KOS_DSN_FILE": dir}, "", "KOS_DSN_FILE: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := func(name string) (string, bool) { v, ok := tt.env[name]; return v, ok }
			got, err := lookupVar("KOS_DSN", env, safefile.ReadRegular)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("lookupVar = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("lookupVar error = %v; want prefix %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}

	// Through Load: the shipped form "dsn: ${KOS_DSN}" reads the file.
	cfgPath := write("c.yml", "targets:\n  kos:\n    dsn: ${KOS_DSN}\ncollectors:\n  - name: c\n    sql: SELECT 1 AS v\n    metrics:\n      - name: kos_v\n        type: gauge\n        help: v.\n        value: v\n")
	env := func(name string) (string, bool) {
		if name == "KOS_DSN_FILE" {
			return secret, true
		}
		return "", false
	}
	cfg, err := load(cfgPath, Options{}, env, safefile.ReadRegular)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(cfg.Targets[0].DSN); got != "kos:s3cret@tcp(db:3306)/kos" {
		t.Fatalf("DSN from KOS_DSN_FILE = %q", got)
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	cfg, err := loadTestdata("full.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	tgt := cfg.Target("kos")
	if string(tgt.DSN) != envDSN {
		t.Fatalf("test needs the expanded DSN")
	}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		for _, v := range []any{tgt, *tgt, tgt.DSN, cfg, *cfg, cfg.Targets} {
			out = append(out, fmt.Sprintf(verb, v))
		}
	}
	js, err := json.Marshal(tgt)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, string(js))
	var logs strings.Builder
	slog.New(slog.NewTextHandler(&logs, nil)).Info("t", "target", tgt, "dsn", tgt.DSN)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("t", "target", tgt, "dsn", tgt.DSN)
	out = append(out, logs.String())
	for _, s := range out {
		if strings.Contains(s, secretPart) {
			t.Errorf("secret printed: %s", s)
		}
	}
	if !strings.Contains(fmt.Sprint(*tgt), "<secret>") {
		t.Errorf("%v of a target does not show the redacted DSN: %v", *tgt, *tgt)
	}
	if got := Secret("").String(); got != "" {
		t.Errorf("empty secret prints %q, want empty", got)
	}
}

func TestLookups(t *testing.T) {
	cfg, err := loadTestdata("full.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		collector, tgt string
		wantC, wantTgt bool
	}{
		{"present", "agency_calls", "billing", true, true},
		{"absent", "nope", "nope", false, false},
		{"empty", "", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cfg.Collector(tt.collector)
			if (c != nil) != tt.wantC || c != nil && c.Name != tt.collector {
				t.Errorf("Collector(%q) = %v", tt.collector, c)
			}
			tg := cfg.Target(tt.tgt)
			if (tg != nil) != tt.wantTgt || tg != nil && tg.Name != tt.tgt {
				t.Errorf("Target(%q) = %v", tt.tgt, tg)
			}
		})
	}
}

func TestAliasExpansionIsBounded(t *testing.T) {
	// Each level multiplies the nodes the walk would visit by 1000.
	var b strings.Builder
	b.WriteString("l: &l [" + strings.Repeat("a, ", 999) + "a]\n")
	b.WriteString("m: &m {name: kos_a_total, type: counter, help: H., value: n, labels: *l}\n")
	b.WriteString("c: &c {name: c, sql: SELECT 1 AS n, metrics: [" + strings.Repeat("*m, ", 999) + "*m]}\n")
	b.WriteString("collectors: [" + strings.Repeat("*c, ", 999) + "*c]\n")
	_, err := Parse([]byte(b.String()), "bomb.yml")
	if err == nil || !strings.Contains(err.Error(), "YAML nodes after expanding aliases") {
		t.Fatalf("err = %v, want the node limit", err)
	}
}
