package launchsim_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/launchsim"
)

// TestDefaultPlan checks the shipped plan's figures against what it says
// it is (plans/default.yaml, launch-traffic.md).
func TestDefaultPlan(t *testing.T) {
	p := launchsim.DefaultPlan()
	if got := p.Expected(0, 24*time.Hour); math.Abs(got-20000) > 1e-6 {
		t.Errorf("launch day: %g activation requests expected, want 20000", got)
	}
	if n, w := p.Preorders(); n != 5000 || w != 30*time.Minute {
		t.Errorf("pre-orders: %g within %s, want 5000 within 30m", n, w)
	}
	in, out := p.Ports()
	if math.Round(in) != 6658 || math.Round(out) != 5548 {
		t.Errorf("ports: %g in, %g out; want 18%% and 15%% of the market's 36,987", in, out)
	}
	if in/20000 < 0.3 || out >= in {
		t.Errorf("port-ins %g are not about a third of the activations, or port-outs %g not fewer", in, out)
	}
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Opening(time.Date(2024, 9, 19, 23, 30, 0, 0, time.UTC)), time.Date(2024, 9, 20, 8, 0, 0, 0, seoul); !got.Equal(want) {
		t.Errorf("opening on the day of 2024-09-19 23:30 UTC: %s, want %s (the Seoul day)", got, want)
	}
	// The burst: the pre-order window holds far more than the next half hour.
	if first, next := p.Expected(0, 30*time.Minute), p.Expected(30*time.Minute, time.Hour); first < 5*next {
		t.Errorf("first 30 min: %g expected, next 30 min: %g; want an opening burst", first, next)
	}
	scaled := p.WithActivations(2000)
	if got := scaled.Expected(0, 24*time.Hour); math.Abs(got-2000) > 1e-6 {
		t.Errorf("scaled to 2000: %g a day", got)
	}
	if n, _ := scaled.Preorders(); math.Abs(n-500) > 1e-9 {
		t.Errorf("scaled to 2000: %g pre-orders, want 500", n)
	}
}

// basePlan is a small valid plan; each bad case changes one line of it, so
// the lines in the expected errors are lines of this text.
const basePlan = `name: test
opening: "08:00"
time_zone: Asia/Seoul
activations: 1000
preorders:
  count: 100
  window: 30m
ports:
  market_daily: 1000
  in_share: 0.3
  out_share: 0.2
models:
  - name: phone_a
    share: 0.7
    storage: {128GB: 0.5, 256GB: 0.5}
  - name: phone_b
    share: 0.3
    storage: {256GB: 1}
kinds: {device_change: 0.6, new: 0.4}
channels: {retail_store: 0.7, online: 0.3}
other_carriers: {carrier_b: 1}
wait_queue_share: 0.1
hourly: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
reference:
  phone_a: {subsidy_krw: 300000, insurance: care_a}
  phone_b: {subsidy_krw: 150000, insurance: care_b}
`

func TestParsePlan(t *testing.T) {
	if _, err := launchsim.ParsePlan([]byte(basePlan), "plan.yaml"); err != nil {
		t.Fatalf("base plan: %v", err)
	}
	for _, tc := range []struct {
		name, old, new string
		want           []string // every error, in order
	}{
		{"unknown key", "wait_queue_share: 0.1", "wait_queue_shares: 0.1",
			[]string{`plan.yaml:22: unknown key "wait_queue_shares"`}},
		{"unknown nested key", "  window: 30m", "  windw: 30m",
			[]string{`plan.yaml:7: unknown key "windw"`}},
		{"unknown key in a model", "    share: 0.3", "    shares: 0.3",
			[]string{`plan.yaml:17: unknown key "shares"`}},
		{"wrong type", "activations: 1000", "activations: many",
			[]string{"plan.yaml:4: cannot unmarshal !!str `many` into int"}},
		{"repeated key", "wait_queue_share: 0.1", "wait_queue_share: 0.1\nactivations: 5",
			[]string{`plan.yaml:23: mapping key "activations" already defined at line 4`}},
		{"syntax", "  window: 30m", "\twindow: 30m",
			[]string{"plan.yaml:6: found a tab character that violates indentation"}}, // the yaml package's line: where the mapping it was in
		{"second document", "hourly:", "---\nhourly:",
			[]string{"plan.yaml:23: a second YAML document; a plan is one"}},
		{"mix sum", "channels: {retail_store: 0.7, online: 0.3}", "channels: {retail_store: 0.7, online: 0.2}",
			[]string{"plan.yaml:20: channels: shares sum to 0.9, want 1"}},
		{"model shares", "    share: 0.3", "    share: 0.4",
			[]string{"plan.yaml:13: models: shares sum to 1.1, want 1"}},
		{"storage mix and a zero share", "storage: {256GB: 1}", "storage: {256GB: 1, 1TB: 0}",
			[]string{"plan.yaml:18: model phone_b storage: 1TB has share 0, want more than 0 and at most 1"}},
		{"unknown kind", "kinds: {device_change: 0.6, new: 0.4}", "kinds: {device_change: 0.6, port_in: 0.4}",
			[]string{`plan.yaml:19: kinds: "port_in" is not one of device_change, new`}},
		{"label value", "  - name: phone_b", "  - name: phone-b",
			[]string{`plan.yaml:16: models: "phone-b", want letters, digits and _, at most 32 bytes`,
				`plan.yaml:26: reference: "phone_b" is not a model of the line-up`, "plan.yaml:25: reference: model phone-b has no reference values"}},
		{"volumes not positive", "activations: 1000", "activations: 0",
			[]string{
				"plan.yaml:4: activations: 0, want a positive number a day",
				"plan.yaml:6: preorders.count: 100, want between 0 and the day's 0 activations",
				"plan.yaml:10: ports: 300 port-ins (market_daily × in_share) exceed the day's 0 activations",
			}},
		{"negative market", "  market_daily: 1000", "  market_daily: -5",
			[]string{"plan.yaml:9: ports.market_daily: -5, want a positive number of ports a day"}},
		{"share above 1", "  out_share: 0.2", "  out_share: 2",
			[]string{"plan.yaml:11: ports.out_share: 2, want a share between 0 and 1"}},
		{"window", "  window: 30m", "  window: 0s",
			[]string{"plan.yaml:7: preorders.window: 0s, want more than 0 and at most 24h"}},
		{"opening", `opening: "08:00"`, `opening: "8 am"`,
			[]string{`plan.yaml:2: opening: "8 am" is not a time of day HH:MM`}},
		{"time zone", "time_zone: Asia/Seoul", "time_zone: Asia/Pyongyang_Seoul",
			[]string{`plan.yaml:3: time_zone: "Asia/Pyongyang_Seoul" is not an IANA time zone such as Asia/Seoul`}},
		{"hourly length", "hourly: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]", "hourly: [1, 1]",
			[]string{"plan.yaml:23: hourly: 2 weights, want 24 (one per hour from the opening)"}},
		{"missing key", "ports:\n  market_daily: 1000\n", "ports:\n",
			[]string{"plan.yaml:9: ports.market_daily: missing"}}, // the line its mapping starts on
		{"missing section", "wait_queue_share: 0.1\n", "",
			[]string{"plan.yaml:1: wait_queue_share: missing"}},
		{"reference of a model not in the line-up", "  phone_b: {subsidy_krw: 150000, insurance: care_b}", "  phone_c: {subsidy_krw: 150000, insurance: care_b}",
			[]string{`plan.yaml:26: reference: "phone_c" is not a model of the line-up`, "plan.yaml:25: reference: model phone_b has no reference values"}},
		{"reference values", "{subsidy_krw: 300000, insurance: care_a}", "{subsidy_krw: -1, insurance: care-a}",
			[]string{"plan.yaml:25: reference.phone_a.subsidy_krw: -1, want 0 or more (KRW)", `plan.yaml:25: reference.phone_a.insurance: "care-a", want letters, digits and _, at most 32 bytes`}},
		{"reference value missing", "{subsidy_krw: 300000, insurance: care_a}", "{subsidy_krw: 300000}",
			[]string{"plan.yaml:25: reference.phone_a.insurance: missing"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(basePlan, tc.old) {
				t.Fatalf("base plan has no %q", tc.old)
			}
			_, err := launchsim.ParsePlan([]byte(strings.Replace(basePlan, tc.old, tc.new, 1)), "plan.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			if got, want := err.Error(), strings.Join(tc.want, "\n"); got != want {
				t.Errorf("errors:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestLoadPlan(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte(basePlan), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(basePlan, "kinds:", "kindz:", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, err string
	}{
		{"good", good, ""},
		{"errors name the file", bad, bad + `:19: unknown key "kindz"`},
		{"missing", filepath.Join(dir, "none.yaml"), "launch plan: "},
		{"directory", dir, "launch plan: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := launchsim.LoadPlan(tc.path)
			if tc.err == "" {
				if err != nil || p.Name() != "test" {
					t.Fatalf("plan %q, error %v", p.Name(), err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
				t.Errorf("error %v, want one starting %q", err, tc.err)
			}
		})
	}
}

func TestParseStart(t *testing.T) {
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	// 2026-09-19 23:30 UTC is already the 20th in Seoul.
	now := time.Date(2026, 9, 19, 23, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		spec string
		want time.Time
		err  string
	}{
		{"14:00", time.Date(2026, 9, 20, 14, 0, 0, 0, seoul), ""},
		{"00:00", time.Date(2026, 9, 20, 0, 0, 0, 0, seoul), ""},
		{"2024-09-20T08:00:00+09:00", time.Date(2024, 9, 20, 8, 0, 0, 0, seoul), ""},
		{"8am", time.Time{}, `start "8am": want HH:MM or an RFC 3339 time`},
		{"25:00", time.Time{}, `start "25:00"`},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			got, err := launchsim.ParseStart(tc.spec, now, seoul)
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Errorf("error %v, want one starting %q", err, tc.err)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Errorf("got %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}
