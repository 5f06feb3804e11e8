package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// This file has no build tag: `make test` runs TestEveryAlertIsProven, and
// `make e2e` checks the table against what its scenarios saw.

// proofs names, for each alert of rules/alerts.yaml, the make e2e scenario
// that raises it (a simulator incident or switch, or, for the exporter's
// own KOSExporter* alerts, what happens to the exporter, its database or
// its scrape target) and sees it resolve when that is undone. TestE2E
// fails when a scenario named here is not one of its scenarios, or ran
// and did not record both for each of its alerts.
var proofs = map[string]string{
	"KOSActivationsStalled":             "activation_stall",
	"KOSPortInStalled":                  "contract_flows",
	"KOSMNPOpeningMessageFailures":      "mnp_message_failures",
	"KOSMNPOpeningMessagesDelayed":      "contract_flows",
	"KOSAgencyErrorRatioHigh":           "sgi_errors",
	"KOSAgencyLatencyHigh":              "integration_traffic",
	"KOSAgencyNoTraffic":                "integration_traffic",
	"KOSAgencyTrafficDrop":              "integration_traffic",
	"KOSProductCallFailures":            "product_flows",
	"KOSOTTPostprocessingBacklog":       "product_flows",
	"KOSErrorQueueGrowing":              "product_flows",
	"KOSInsuranceSyncLag":               "kait_skip_loop",
	"KOSSkipSwitchOn":                   "kait_skip_loop",
	"KOSSkipSwitchOnTooLong":            "kait_skip_loop",
	"KOSSkipSwitchSafeToTurnOff":        "kait_skip_loop",
	"KOSWaitQueueBacklog":               "queue_backlog",
	"KOSWaitQueueBelowThresholdWaiting": "device_reference",
	"KOSOTAUpdatesDelayed":              "ota_delay",
	"KOSReferenceDataNotApplied":        "device_reference",
	"KOSReferenceDataMismatch":          "device_reference",
	"KOSErrorQueueAutomatorOff":         "device_reference",
	"KOSErrorQueueReprocessingFailing":  "error_queue_growth",
	"KOSErrorQueueGivingUp":             "error_queue_growth",
	// The exporter's health (exporter_health_test.go, outage_test.go).
	"KOSExporterDown":               "exporter_outage",
	"KOSExporterAbsent":             "exporter_outage",
	"KOSExporterTargetDown":         "database_gone",
	"KOSExporterCollectorDown":      "collector_faults",
	"KOSExporterCollectorStale":     "collector_faults",
	"KOSExporterConfigReloadFailed": "collector_faults",
}

// shippedAlerts reads the alert names of rules/alerts.yaml.
func shippedAlerts(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "rules", "alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("rules/alerts.yaml: %v", err)
	}
	var names []string
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				names = append(names, r.Alert)
			}
		}
	}
	if len(names) == 0 {
		t.Fatal("rules/alerts.yaml has no alerts")
	}
	return names
}

// TestEveryAlertIsProven: each alert of rules/ is raised (and resolved) in
// a make e2e scenario, and the table names no alert that does not exist.
func TestEveryAlertIsProven(t *testing.T) {
	alerts := shippedAlerts(t)
	for _, a := range alerts {
		if proofs[a] == "" {
			t.Errorf("%s: no make e2e scenario raises it; add an incident (or exporter fault) and its scenario, and the alert to proofs", a)
		}
	}
	for a := range proofs {
		if !slices.Contains(alerts, a) {
			t.Errorf("%s is listed but rules/alerts.yaml has no such alert", a)
		}
	}
}
