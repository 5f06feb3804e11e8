package rulescheck

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/alertmanager/eventrecorder"
	"github.com/prometheus/alertmanager/inhibit"
	"github.com/prometheus/alertmanager/labelset"
	"github.com/prometheus/alertmanager/provider"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
)

func loadAlertmanager(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.LoadFile(filepath.Join(repo, "examples", "alertmanager.yml"))
	if err != nil {
		t.Fatalf("examples/alertmanager.yml: %v", err)
	}
	return cfg
}

// receivers lists where Alertmanager sends an alert with labels ls, and the
// repeat interval of each route.
func receivers(root *dispatch.Route, ls model.LabelSet) ([]string, []time.Duration) {
	var names []string
	var repeats []time.Duration
	for _, r := range root.Match(ls) {
		names = append(names, r.RouteOpts.Receiver)
		repeats = append(repeats, r.RouteOpts.RepeatInterval)
	}
	return names, repeats
}

// expectedReceivers is the routing contract: the part's war-room channel,
// and the pager first when critical.
func expectedReceivers(part, severity string) []string {
	want := []string{"war-room-" + part}
	if severity == "critical" {
		want = append([]string{"pager"}, want...)
	}
	return want
}

// TestEveryAlertReachesItsPart routes each alert of alerts.yaml with its
// own labels.
func TestEveryAlertReachesItsPart(t *testing.T) {
	root := dispatch.NewRoute(loadAlertmanager(t).Route, nil)
	for _, a := range alerts(loadRules(t)) {
		t.Run(a.Alert, func(t *testing.T) {
			ls := model.LabelSet{model.AlertNameLabel: model.LabelValue(a.Alert)}
			for k, v := range a.Labels {
				ls[model.LabelName(k)] = model.LabelValue(v)
			}
			got, _ := receivers(root, ls)
			if want := expectedReceivers(a.Labels["part"], a.Labels["severity"]); !slices.Equal(got, want) {
				t.Errorf("routed to %v, want %v", got, want)
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	root := dispatch.NewRoute(loadAlertmanager(t).Route, nil)
	for _, tc := range []struct {
		name    string
		labels  model.LabelSet
		want    []string
		repeats []time.Duration
	}{
		{"critical pages and tells the part", model.LabelSet{"alertname": "KOSAgencyErrorRatioHigh", "severity": "critical", "part": "integration", "agency": "sgi"},
			[]string{"pager", "war-room-integration"}, []time.Duration{30 * time.Minute, 2 * time.Hour}},
		{"warning stays in the part's room", model.LabelSet{"alertname": "KOSProductCallFailures", "severity": "warning", "part": "product"},
			[]string{"war-room-product"}, []time.Duration{2 * time.Hour}},
		{"info repeats rarely", model.LabelSet{"alertname": "KOSSkipSwitchOn", "severity": "info", "part": "device"},
			[]string{"war-room-device"}, []time.Duration{12 * time.Hour}},
		{"device warning repeats as usual", model.LabelSet{"alertname": "KOSSkipSwitchOnTooLong", "severity": "warning", "part": "device"},
			[]string{"war-room-device"}, []time.Duration{2 * time.Hour}},
		{"no part falls back to platform", model.LabelSet{"alertname": "Foreign", "severity": "warning"},
			[]string{"war-room-platform"}, []time.Duration{2 * time.Hour}},
		{"critical without part still pages", model.LabelSet{"alertname": "Foreign", "severity": "critical"},
			[]string{"pager", "war-room-platform"}, []time.Duration{30 * time.Minute, 2 * time.Hour}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, repeats := receivers(root, tc.labels)
			if !slices.Equal(got, tc.want) {
				t.Errorf("receivers %v, want %v", got, tc.want)
			}
			if !slices.Equal(repeats, tc.repeats) {
				t.Errorf("repeat intervals %v, want %v", repeats, tc.repeats)
			}
		})
	}
}

// firing is an alert provider holding a fixed set of firing alerts, all
// the inhibitor reads.
type firing struct {
	provider.Alerts
	alerts []*alert.Alert
}

func (f firing) SlurpAndSubscribe(string) ([]*alert.Alert, provider.AlertIterator) {
	return f.alerts, provider.NewAlertIterator(make(chan *provider.Alert), make(chan struct{}), nil)
}

// alertLabels is alert name's labels as alerts.yaml sets them, plus extra
// (the labels its expression yields).
func alertLabels(t *testing.T, name string, extra model.LabelSet) model.LabelSet {
	t.Helper()
	for _, a := range alerts(loadRules(t)) {
		if a.Alert != name {
			continue
		}
		ls := extra.Clone()
		ls[model.AlertNameLabel] = model.LabelValue(name)
		for k, v := range a.Labels {
			ls[model.LabelName(k)] = model.LabelValue(v)
		}
		return ls
	}
	t.Fatalf("no alert %s in alerts.yaml", name)
	return nil
}

// TestInhibitions runs Alertmanager's inhibitor over the example config:
// with the source alert firing, is the target muted?
func TestInhibitions(t *testing.T) {
	cfg := loadAlertmanager(t)
	inst := model.LabelSet{"instance": "kos:9847", "job": "kos_exporter"}
	with := func(ls model.LabelSet, more model.LabelSet) model.LabelSet { return ls.Merge(more) }
	type al struct {
		name   string
		labels model.LabelSet
	}
	for _, tc := range []struct {
		name   string
		source al
		target al
		muted  bool
	}{
		{"exporter down silences data alerts", al{"KOSExporterDown", inst}, al{"KOSAgencyErrorRatioHigh", model.LabelSet{"agency": "sgi"}}, true},
		{"exporter absent silences data alerts", al{"KOSExporterAbsent", model.LabelSet{"job": "kos_exporter"}}, al{"KOSInsuranceSyncLag", with(inst, model.LabelSet{"leg": "kait"})}, true},
		{"target down silences data alerts", al{"KOSExporterTargetDown", with(inst, model.LabelSet{"target": "kos"})}, al{"KOSErrorQueueGrowing", model.LabelSet{"reason": "ota"}}, true},
		{"exporter down leaves health alerts", al{"KOSExporterDown", inst}, al{"KOSExporterTargetDown", with(inst, model.LabelSet{"target": "kos"})}, false},
		{"target down silences its collectors", al{"KOSExporterTargetDown", with(inst, model.LabelSet{"target": "kos"})}, al{"KOSExporterCollectorDown", with(inst, model.LabelSet{"target": "kos", "collector": "ota"})}, true},
		{"target down leaves other targets' collectors", al{"KOSExporterTargetDown", with(inst, model.LabelSet{"target": "kos"})}, al{"KOSExporterCollectorDown", with(inst, model.LabelSet{"target": "billing", "collector": "ota"})}, false},
		{"collector down silences its staleness", al{"KOSExporterCollectorDown", with(inst, model.LabelSet{"target": "kos", "collector": "ota"})}, al{"KOSExporterCollectorStale", with(inst, model.LabelSet{"target": "kos", "collector": "ota"})}, true},
		{"collector down leaves other collectors' staleness", al{"KOSExporterCollectorDown", with(inst, model.LabelSet{"target": "kos", "collector": "ota"})}, al{"KOSExporterCollectorStale", with(inst, model.LabelSet{"target": "kos", "collector": "switches"})}, false},
		{"agency errors silence its latency", al{"KOSAgencyErrorRatioHigh", model.LabelSet{"agency": "sgi"}}, al{"KOSAgencyLatencyHigh", model.LabelSet{"agency": "sgi", "quantile": "0.95"}}, true},
		{"agency errors leave other agencies", al{"KOSAgencyErrorRatioHigh", model.LabelSet{"agency": "sgi"}}, al{"KOSAgencyLatencyHigh", model.LabelSet{"agency": "kait", "quantile": "0.95"}}, false},
		{"SGI errors silence the SGI error queue", al{"KOSAgencyErrorRatioHigh", model.LabelSet{"agency": "sgi"}}, al{"KOSErrorQueueGrowing", model.LabelSet{"reason": "sgi_guarantee", "agency": "sgi"}}, true},
		{"SGI silence silences the SGI given-ups", al{"KOSAgencyNoTraffic", model.LabelSet{"agency": "sgi"}}, al{"KOSErrorQueueGivingUp", model.LabelSet{"reason": "sgi_guarantee", "agency": "sgi"}}, true},
		{"SGI errors leave other error-queue reasons", al{"KOSAgencyErrorRatioHigh", model.LabelSet{"agency": "sgi"}}, al{"KOSErrorQueueGrowing", model.LabelSet{"reason": "ota"}}, false},
		{"KAIT errors never hide the sync lag and its switch", al{"KOSAgencyErrorRatioHigh", model.LabelSet{"agency": "kait"}}, al{"KOSInsuranceSyncLag", with(inst, model.LabelSet{"leg": "kait"})}, false},
		{"a stall silences the port-in stall", al{"KOSActivationsStalled", model.LabelSet{"job": "kos_exporter"}}, al{"KOSPortInStalled", model.LabelSet{"kind": "port_in"}}, true},
		{"a backlog silences waiting below-threshold items", al{"KOSWaitQueueBacklog", model.LabelSet{"job": "kos_exporter"}}, al{"KOSWaitQueueBelowThresholdWaiting", inst}, true},
		{"the reminder replaces the notice", al{"KOSSkipSwitchOnTooLong", with(inst, model.LabelSet{"switch": "kait_insurance_precheck_skip", "changed_by": "jkim"})}, al{"KOSSkipSwitchOn", with(inst, model.LabelSet{"switch": "kait_insurance_precheck_skip"})}, true},
		{"the reminder leaves other switches", al{"KOSSkipSwitchOnTooLong", with(inst, model.LabelSet{"switch": "kait_insurance_precheck_skip", "changed_by": "jkim"})}, al{"KOSSkipSwitchOn", with(inst, model.LabelSet{"switch": "sgi_guarantee_skip"})}, false},
		{"a critical data alert silences nothing else", al{"KOSOTAUpdatesDelayed", inst}, al{"KOSWaitQueueBacklog", model.LabelSet{"job": "kos_exporter"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			source := alert.New(model.Alert{Labels: alertLabels(t, tc.source.name, tc.source.labels), StartsAt: time.Now()}, time.Now(), false)
			ih := inhibit.NewInhibitor(firing{alerts: []*alert.Alert{source}}, cfg.InhibitRules, promslog.NewNopLogger(), eventrecorder.NopRecorder())
			done := make(chan struct{})
			go func() { ih.Run(); close(done) }()
			t.Cleanup(func() { ih.Stop(); <-done })
			ih.WaitForLoading()
			target := alertLabels(t, tc.target.name, tc.target.labels)
			if got := ih.Mutes(context.Background(), labelset.FromModel(target)); got != tc.muted {
				t.Errorf("%s muted = %v by firing %s, want %v", target, got, tc.source.name, tc.muted)
			}
		})
	}
}
