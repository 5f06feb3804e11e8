//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// databaseGone: with a data alert open, the database goes away (the
// simulator, which serves it, stops). The exporter's health alert must page
// and every other alert be inhibited or resolved.
func databaseGone(t *testing.T, e *env) {
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
	defer cancel()
	s := startStack(ctx, t, e, "database_gone", stackOpts{})
	t0 := time.Now()
	if err := s.post("/incidents/ota_delay"); err != nil {
		t.Fatal(err)
	}
	s.await(ctx, t, expect{alert: "KOSOTAUpdatesDelayed", labels: map[string]string{"severity": "critical"}, receivers: []string{pager, device}}, t0, "from injection (data alert open before the outage)")

	// While data and an alert are there: every dashboard query has data.
	dashboardsReturnData(t, s)
	reportAgainstPrometheus(t, s)

	t1 := time.Now()
	s.sim.stop()
	s.await(ctx, t, expect{alert: "KOSExporterTargetDown", labels: map[string]string{"target": "kos", "part": "platform", "severity": "critical"}, receivers: []string{pager, platform}}, t1, "from database stop")

	// The collectors fail too (KOSExporterCollectorDown, for 5m → 15 s):
	// Alertmanager must hold every one of them back.
	var inhibited []string
	for len(inhibited) < len(e.intervals) && ctx.Err() == nil {
		sleep(ctx, time.Second)
		alerts, err := s.amAlerts(0)
		if err != nil {
			t.Fatal(err)
		}
		inhibited = inhibited[:0]
		for _, a := range alerts {
			name := a.Labels["alertname"]
			switch {
			case name == "KOSExporterTargetDown":
			case a.Status.State == "suppressed" && len(a.Status.InhibitedBy) > 0:
				inhibited = append(inhibited, name)
			case a.Status.State == "active":
				t.Errorf("alert %s %v active in Alertmanager while the database is gone", name, a.Labels)
			}
		}
	}
	if ctx.Err() != nil {
		t.Fatalf("%d alerts inhibited while the database was gone, want one KOSExporterCollectorDown per collector (%d)", len(inhibited), len(e.intervals))
	}
	sleep(ctx, settle)
	got, _ := e.rcv.since(s.name)
	for _, n := range got {
		if n.At.Before(t1) {
			continue
		}
		for _, a := range n.Alerts {
			if name := a.Labels["alertname"]; a.Status == "firing" && name != "KOSExporterTargetDown" {
				t.Errorf("notified %s %v after the database went away", name, a.Labels)
			}
		}
	}
	e.record(result{scenario: s.name, alert: "inhibited in Alertmanager", receivers: "(none)", took: time.Since(t1),
		note: fmt.Sprintf("%d alerts suppressed (%s); KOSOTAUpdatesDelayed resolved as its series vanished", len(inhibited), strings.Join(slices.Compact(slices.Sorted(slices.Values(inhibited))), ", "))})
}
