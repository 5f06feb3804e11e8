package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// This file has no build tag: `make test` runs TestEveryAlertIsProven, and
// `make e2e` checks the table against what its scenarios saw.

// proofs names, for each alert of rules/alerts.yaml, the make e2e scenario
// whose simulator incident raises it and which sees it resolve when the
// incident (or the switch) is undone. TestE2E fails when a scenario it ran
// did not record both for each of its alerts.
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
}

// healthAlerts are the exporter's own alerts (KOSExporter*), raised by
// what happens to the exporter and its database, not by a simulator
// incident; each says where it is proven.
var healthAlerts = map[string]string{
	"KOSExporterTargetDown":         "make e2e database_gone: pages when the simulator serving the database stops",
	"KOSExporterCollectorStale":     "make e2e database_gone: one per collector, held back by Alertmanager's inhibition",
	"KOSExporterCollectorDown":      "rules/tests/exporter.test.yaml; database_gone stops counting once each collector has one alert held back, and the stale one (2m) comes before this one (5m)",
	"KOSExporterDown":               "rules/tests/exporter.test.yaml only: no scenario stops the exporter",
	"KOSExporterAbsent":             "rules/tests/exporter.test.yaml only: no scenario removes the scrape target",
	"KOSExporterConfigReloadFailed": "rules/tests/exporter.test.yaml only: no scenario reloads a bad collectors.yaml",
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

// TestEveryAlertIsProven: each alert of rules/ is raised (and resolved) by
// a simulator incident in make e2e, or is an exporter health alert with
// the place it is proven; the tables name no alert that does not exist.
func TestEveryAlertIsProven(t *testing.T) {
	alerts := shippedAlerts(t)
	for _, a := range alerts {
		_, incident := proofs[a]
		_, health := healthAlerts[a]
		switch {
		case incident && health:
			t.Errorf("%s is in both proofs and healthAlerts", a)
		case health && !strings.HasPrefix(a, "KOSExporter"):
			t.Errorf("%s is not an exporter health alert: a simulator incident must raise it (proofs)", a)
		case !incident && !health:
			t.Errorf("%s: no make e2e scenario raises it; add an incident and its scenario, and the alert to proofs", a)
		}
	}
	for _, table := range []map[string]string{proofs, healthAlerts} {
		for a := range table {
			if !slices.Contains(alerts, a) {
				t.Errorf("%s is listed but rules/alerts.yaml has no such alert", a)
			}
		}
	}
}
