package main

import (
	"strings"
	"testing"
)

func TestScenariosAndDescribe(t *testing.T) {
	o := options{prefix: "kos_benchdb", configs: []string{"collectors.yaml", "collectors-live.yaml"}, historyDays: 90, activations: 45000, runs: 20}
	all, err := scenarios(o)
	if err != nil || len(all) != 4 {
		t.Fatalf("scenarios: %d, %v; want 4", len(all), err)
	}
	d := describe(o, all)
	for _, want := range []string{
		"kos_benchdb_history: the launch day up to 08:30, 90 days of history",
		"kos_benchdb_start: the launch day up to 08:00, no history",
		"20 runs of every collector in collectors.yaml and collectors-live.yaml",
		"Takes about",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("describe lacks %q:\n%s", want, d)
		}
	}
	o.scenarios = []string{"peak"}
	if got, err := scenarios(o); err != nil || len(got) != 1 || got[0].name != "peak" {
		t.Errorf("--scenario peak: %v, %v", got, err)
	}
	o.scenarios = []string{"noon"}
	if _, err := scenarios(o); err == nil || !strings.Contains(err.Error(), `--scenario "noon"`) {
		t.Errorf("--scenario noon: err %v", err)
	}
	// A 90-day load is the bulk of the time unless reused.
	o.scenarios = nil
	if full, reused := estimate(o, all), estimate(options{configs: o.configs, activations: 45000, runs: 20, reuse: true, historyDays: 90}, all); full < 5*reused {
		t.Errorf("estimate %v with loads, %v reusing; want the loads to dominate", full, reused)
	}
}
