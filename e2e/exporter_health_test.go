//go:build e2e

package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
)

// The exporter's own health alerts, each raised by doing to the exporter
// what goes wrong in production, and resolved by undoing it.

// exporterOutage: the exporter process stops and starts again
// (KOSExporterDown), then its scrape target leaves Prometheus and comes
// back (KOSExporterAbsent). Both inhibit every data alert; the data
// series go stale with the scrape, so an open data alert resolves rather
// than being held back, and nothing but the health alert may fire.
func exporterOutage(t *testing.T, e *env) {
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
	defer cancel()
	s := startStack(ctx, t, e, "exporter_outage", stackOpts{})
	// A data alert open before the outage. (A SKIP switch would be
	// quicker, but turning it off brings KOSAgencyNoTraffic for the
	// agency it skipped until calls are seen again.)
	const incident = "ota_delay"
	dataAlert := expect{alert: "KOSOTAUpdatesDelayed", labels: map[string]string{"part": "device", "severity": "critical"}, receivers: []string{pager, device}}
	t0 := time.Now()
	if err := s.call(startIncident(incident)); err != nil {
		t.Fatal(err)
	}
	s.await(ctx, t, dataAlert, t0, "from injection (data alert open before the outage)")

	down := expect{alert: "KOSExporterDown", labels: map[string]string{"job": "kos_exporter", "instance": s.exporterAddr, "part": "platform", "severity": "critical"}, receivers: []string{pager, platform}, goal: pageGoal}
	t1 := time.Now()
	s.exporter.stop() // SIGTERM
	dataAlert.status = "resolved"
	s.await(ctx, t, dataAlert, t1, "from the exporter's stop: its series went stale, nothing left to inhibit")
	s.await(ctx, t, down, t1, "from the exporter's stop (SIGTERM)")
	s.onlyActiveInAlertmanager(t, "KOSExporterDown")

	// Ended while the exporter is away (the pending updates complete in
	// seconds), so no data alert follows its return.
	if err := s.call(endIncident(incident)); err != nil {
		t.Fatal(err)
	}
	t2 := time.Now()
	if err := s.startExporter(ctx, t); err != nil {
		t.Fatal(err)
	}
	down.status = "resolved"
	s.await(ctx, t, down, t2, "from the exporter's start")

	absent := expect{alert: "KOSExporterAbsent", labels: map[string]string{"job": "kos_exporter", "part": "platform", "severity": "critical"}, receivers: []string{pager, platform}, goal: pageGoal}
	t3 := time.Now()
	if err := s.scrapeExporter(false); err != nil {
		t.Fatal(err)
	}
	s.await(ctx, t, absent, t3, "from the target's removal (Prometheus reloaded)")
	s.onlyActiveInAlertmanager(t, "KOSExporterAbsent")
	// No target, no up series: KOSExporterDown cannot speak for it.
	if got, err := s.query(0, `ALERTS{alertname="KOSExporterDown"}`); err != nil || len(got) > 0 {
		t.Errorf("KOSExporterDown while the target is absent: %v %v", got, err)
	}
	t4 := time.Now()
	if err := s.scrapeExporter(true); err != nil {
		t.Fatal(err)
	}
	absent.status = "resolved"
	s.await(ctx, t, absent, t4, "from the target's return")

	sleep(ctx, settle)
	s.onlyAlerts(t, "KOSExporterDown", "KOSExporterAbsent", dataAlert.alert)
	got, _ := e.rcv.since(s.name)
	for _, n := range got {
		for _, a := range n.Alerts {
			if a.Labels["alertname"] == dataAlert.alert && a.Status == "firing" && n.At.After(t1) {
				t.Errorf("%s firing again at %s after the exporter's stop", dataAlert.alert, n.At.Format("15:04:05"))
			}
		}
	}
}

// collectorFaults: an operator's bad edit of collectors.yaml is rejected
// on reload while the old collectors keep running
// (KOSExporterConfigReloadFailed), and at the same time one collector's
// table goes away (renamed) while the others stay up: its data goes stale
// first (KOSExporterCollectorStale, 2m), then it counts as down
// (KOSExporterCollectorDown, 5m), which from then on holds the stale alert
// back. The good file and the table's name come back, and all three
// resolve.
func collectorFaults(t *testing.T, e *env) {
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
	defer cancel()
	s := startStack(ctx, t, e, "collector_faults", stackOpts{ownCollectors: true})
	const broken = "reference_values" // reads ref_model_plan, which the simulator writes only at start
	if _, err := s.waitQuery(ctx, fmt.Sprintf(`kos_exporter_collector_up{collector=%q} == 1`, broken)); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", "root@tcp("+s.simAddr+")/kos")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	good, err := os.ReadFile(s.collectors)
	if err != nil {
		t.Fatal(err)
	}

	t0 := time.Now()
	// A new collector that writes: the SQL guard rejects the whole file.
	bad := string(good) + `
  - name: e2e_bad_edit
    sql: UPDATE ref_switch SET is_on = 0
    metrics:
      - {name: kos_e2e_bad_edit, type: gauge, help: never loaded, value: is_on}
`
	if err := s.reloadExporter(bad, false); err != nil {
		t.Fatal(err)
	}
	runsBefore, err := s.runs()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "RENAME TABLE ref_model_plan TO ref_model_plan_gone"); err != nil {
		t.Fatalf("renaming the table under %s: %v", broken, err)
	}
	renamed := float64(time.Now().UnixNano()) / 1e9
	stale := expect{alert: "KOSExporterCollectorStale", labels: map[string]string{"collector": broken, "target": "kos", "part": "platform", "severity": "warning"}, receivers: []string{platform}}
	down := expect{alert: "KOSExporterCollectorDown", labels: map[string]string{"collector": broken, "target": "kos", "part": "platform", "severity": "warning"}, receivers: []string{platform}}
	reload := expect{alert: "KOSExporterConfigReloadFailed", labels: map[string]string{"instance": s.exporterAddr, "part": "platform", "severity": "warning"}, receivers: []string{platform}}
	s.await(ctx, t, stale, t0, "from the table's rename")
	s.await(ctx, t, down, t0, "from the table's rename")
	s.await(ctx, t, reload, t0, "from the rejected reload")

	// The previous config still runs: every collector ran again, only the
	// broken one is down, and the rejected collector never appeared.
	runsAfter, err := s.runs()
	if err != nil {
		t.Fatal(err)
	}
	for c := range e.intervals {
		if runsAfter[c] <= runsBefore[c] {
			t.Errorf("collector %s did not run after the rejected reload (%v → %v runs)", c, runsBefore[c], runsAfter[c])
		}
	}
	if _, ok := runsAfter["e2e_bad_edit"]; ok {
		t.Error("the rejected collector e2e_bad_edit runs")
	}
	// Every other collector succeeded since the rename (one instant of
	// kos_exporter_collector_up could catch a timeout on a loaded machine).
	last, err := s.query(0, `kos_exporter_collector_last_success_timestamp_seconds`)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range last {
		c := l.Metric["collector"]
		v, err := strconv.ParseFloat(fmt.Sprint(l.Value[1]), 64)
		if err != nil {
			t.Fatalf("last success of %s: %v", c, err)
		}
		// The broken one may finish a run begun before the rename.
		if since := v - renamed; (c == broken && since > 1) || (c != broken && since < 0) {
			t.Errorf("collector %s last succeeded %.1f s after the table's rename", c, since)
		}
	}
	if len(last) != len(e.intervals) {
		t.Errorf("%d collectors exported, want the previous config's %d", len(last), len(e.intervals))
	}
	// The shipped inhibition: a failing collector is also a stale one, and
	// once it counts as down only that alert speaks.
	s.awaitInhibited(ctx, t, stale.alert, map[string]string{"collector": broken})

	t1 := time.Now()
	if _, err := db.ExecContext(ctx, "RENAME TABLE ref_model_plan_gone TO ref_model_plan"); err != nil {
		t.Fatalf("renaming the table back: %v", err)
	}
	if err := s.reloadExporter(string(good), true); err != nil {
		t.Fatal(err)
	}
	for _, x := range []expect{down, stale, reload} {
		x.status = "resolved"
		s.await(ctx, t, x, t1, "from the table's and the good file's return")
	}
	sleep(ctx, settle)
	s.onlyAlerts(t, stale.alert, down.alert, reload.alert)
}

// scrapeExporter rewrites replica 0's config with or without the exporter
// as the job's target and makes Prometheus reload it (SIGHUP). The job
// stays: a target dropped from a job gets staleness markers, so absent()
// sees it gone at once; a job removed from the config does not, and its
// up series lingers for the query lookback (5m) before absent() sees it.
func (s *stack) scrapeExporter(on bool) error {
	target := ""
	if on {
		target = s.exporterAddr
	}
	if err := writePrometheusConfig(s.promConfigs[0], s.rulesDir, target, "", s.amAddrs); err != nil {
		return err
	}
	return s.proms[0].cmd.Process.Signal(syscall.SIGHUP)
}

// reloadExporter writes the exporter's collectors.yaml and asks it to
// reload (POST /-/reload), which answers whether it took the file.
func (s *stack) reloadExporter(collectors string, wantOK bool) error {
	if err := os.WriteFile(s.collectors, []byte(collectors), 0o644); err != nil {
		return err
	}
	resp, err := http.Post("http://"+s.exporterAddr+"/-/reload", "", nil)
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	resp.Body.Close()
	if ok := resp.StatusCode == http.StatusOK; ok != wantOK {
		return fmt.Errorf("reload answered %s, want success %t", resp.Status, wantOK)
	}
	return nil
}

// onlyActiveInAlertmanager fails unless alert is the one alert Alertmanager
// holds active (not inhibited, not resolved).
func (s *stack) onlyActiveInAlertmanager(t *testing.T, alert string) {
	t.Helper()
	alerts, err := s.amAlerts(0)
	if err != nil {
		t.Fatal(err)
	}
	var active []string
	for _, a := range alerts {
		if a.Status.State == "active" {
			active = append(active, a.Labels["alertname"])
		}
	}
	if !slices.Equal(active, []string{alert}) {
		t.Errorf("active in Alertmanager: %s, want only %s", strings.Join(active, ", "), alert)
	}
}

// awaitInhibited waits until Alertmanager holds the alert with labels back
// by an inhibition.
func (s *stack) awaitInhibited(ctx context.Context, t *testing.T, alert string, labels map[string]string) {
	t.Helper()
	for {
		alerts, err := s.amAlerts(0)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range alerts {
			if a.Labels["alertname"] != alert || a.Status.State != "suppressed" || len(a.Status.InhibitedBy) == 0 {
				continue
			}
			match := true
			for k, v := range labels {
				match = match && a.Labels[k] == v
			}
			if match {
				t.Logf("%s%v inhibited in Alertmanager", alert, labels)
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s%v never inhibited in Alertmanager: %v", alert, labels, alerts)
		case <-time.After(time.Second):
		}
	}
}
