package rulescheck

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/notify/slack"
	"github.com/prometheus/alertmanager/template"
	"github.com/prometheus/common/model"
)

// chatMessage renders what the example chat receiver of
// examples/alertmanager.yml sends for one group of alerts: its slack_configs
// title and text, with the config's templates and Alertmanager's own
// template code.
type chatMessage func(t *testing.T, alerts ...*alert.Alert) (title, text string)

func loadChat(t *testing.T) chatMessage {
	t.Helper()
	cfg := loadAlertmanager(t)
	var slack *slack.SlackConfig
	for _, r := range cfg.Receivers {
		if len(r.SlackConfigs) > 0 {
			slack = r.SlackConfigs[0]
		}
	}
	if slack == nil {
		t.Fatal("examples/alertmanager.yml: no receiver with slack_configs")
	}
	tmpl, err := template.FromGlobs(cfg.Templates)
	if err != nil {
		t.Fatalf("templates %v: %v", cfg.Templates, err)
	}
	tmpl.ExternalURL, _ = url.Parse("http://alertmanager.example.internal:9093")
	return func(t *testing.T, alerts ...*alert.Alert) (string, string) {
		t.Helper()
		group := model.LabelSet{}
		for _, l := range cfg.Route.GroupBy {
			group[l] = alerts[0].Labels[l]
		}
		data := tmpl.Data("chat-example", group, nil, "", alerts...)
		title, err := tmpl.ExecuteTextString(slack.Title, data)
		if err != nil {
			t.Fatalf("title: %v", err)
		}
		text, err := tmpl.ExecuteTextString(slack.Text, data)
		if err != nil {
			t.Fatalf("text: %v", err)
		}
		return title, text
	}
}

// dashboardUIDs lists the uids of dashboards/*.json.
func dashboardUIDs(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repo, "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("dashboards/*.json: %v (%d files)", err, len(files))
	}
	uids := map[string]bool{}
	for _, f := range files {
		var d struct {
			UID string `json:"uid"`
		}
		if err := json.Unmarshal(readFile(t, filepath.Join("dashboards", filepath.Base(f))), &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		uids[d.UID] = true
	}
	return uids
}

// sampleAlert is alert name as alerts.yaml defines it, on one instance;
// resolved alerts ended a minute ago.
func sampleAlert(t *testing.T, name, instance string, resolved bool) *alert.Alert {
	t.Helper()
	for _, r := range alerts(loadRules(t)) {
		if r.Alert != name {
			continue
		}
		a := model.Alert{
			Labels:      alertLabels(t, name, model.LabelSet{"instance": model.LabelValue(instance), "job": model.LabelValue(loadBundleNames(t).Job)}),
			Annotations: model.LabelSet{},
			StartsAt:    time.Now().Add(-time.Hour),
		}
		for k, v := range r.Annotations {
			a.Annotations[model.LabelName(k)] = model.LabelValue(v)
		}
		if resolved {
			a.EndsAt = time.Now().Add(-time.Minute)
		}
		return alert.New(a, time.Now(), false)
	}
	t.Fatalf("no alert %s in alerts.yaml", name)
	return nil
}

var dashboardLink = regexp.MustCompile(`Dashboard: http://localhost:3000/d/([a-z-]+)\n?$`)

// TestChatMessageOfEveryAlert renders each alert of alerts.yaml: the title
// names the alert, its part and severity; the text carries its summary,
// description, runbook and a link to an existing dashboard.
func TestChatMessageOfEveryAlert(t *testing.T) {
	chat := loadChat(t)
	uids := dashboardUIDs(t)
	for _, r := range alerts(loadRules(t)) {
		t.Run(r.Alert, func(t *testing.T) {
			title, text := chat(t, sampleAlert(t, r.Alert, "kos:9847", false))
			for _, want := range []string{"[FIRING:1]", r.Alert, r.Labels["part"], r.Labels["severity"]} {
				if !strings.Contains(title, want) {
					t.Errorf("title %q lacks %q", title, want)
				}
			}
			for _, want := range []string{r.Labels["severity"], r.Annotations["summary"], r.Annotations["description"],
				r.Annotations["summary_ko"], r.Annotations["description_ko"], "Runbook: " + r.Annotations["runbook_url"]} {
				if !strings.Contains(text, want) {
					t.Errorf("text lacks %q:\n%s", want, text)
				}
			}
			// The war-room reads Korean first; English follows for whoever has none.
			if ko, en := strings.Index(text, r.Annotations["description_ko"]), strings.Index(text, r.Annotations["summary"]); ko > en {
				t.Errorf("Korean description after the English summary:\n%s", text)
			}
			m := dashboardLink.FindStringSubmatch(text)
			if m == nil {
				t.Fatalf("text ends without a dashboard link:\n%s", text)
			}
			if !uids[m[1]] {
				t.Errorf("dashboard link to %q, which is no dashboard's uid", m[1])
			}
		})
	}
}

// TestChatMessageGroups renders groups: several instances, resolved alerts,
// and which dashboard each kind of alert links to.
func TestChatMessageGroups(t *testing.T) {
	chat := loadChat(t)
	// An alert of a rule file written before summary_ko and description_ko.
	englishOnly := sampleAlert(t, "KOSExporterDown", "kos:9847", false)
	delete(englishOnly.Annotations, "summary_ko")
	delete(englishOnly.Annotations, "description_ko")
	for _, tc := range []struct {
		name      string
		alerts    []*alert.Alert
		title     string
		text      []string
		dashboard string
	}{
		{"two instances, one runbook line",
			[]*alert.Alert{sampleAlert(t, "KOSExporterDown", "kos-1:9847", false), sampleAlert(t, "KOSExporterDown", "kos-2:9847", false)},
			"[FIRING:2] KOSExporterDown · platform · critical", nil, "kos-exporter"},
		{"resolved",
			[]*alert.Alert{sampleAlert(t, "KOSActivationsStalled", "kos:9847", true)},
			"[RESOLVED] KOSActivationsStalled · contract · critical", []string{"✅ resolved · 해결 *실판 개통"}, "kos-contract"},
		{"English only when an alert has no Korean",
			[]*alert.Alert{englishOnly},
			"[FIRING:1] KOSExporterDown · platform · critical", []string{"🔴 critical *Prometheus cannot scrape kos_exporter.*\nScrapes of"}, "kos-exporter"},
		{"partly resolved counts the firing",
			[]*alert.Alert{sampleAlert(t, "KOSAgencyErrorRatioHigh", "kos-1:9847", false), sampleAlert(t, "KOSAgencyErrorRatioHigh", "kos-2:9847", true)},
			"[FIRING:1] KOSAgencyErrorRatioHigh · integration · critical", []string{"🔴 critical", "✅ resolved"}, "kos-integration"},
		{"error queue to its dashboard",
			[]*alert.Alert{sampleAlert(t, "KOSErrorQueueGrowing", "kos:9847", false)},
			"[FIRING:1] KOSErrorQueueGrowing · platform · warning", []string{"🟠 warning"}, "kos-error-queue"},
		{"info",
			[]*alert.Alert{sampleAlert(t, "KOSSkipSwitchOn", "kos:9847", false)},
			"[FIRING:1] KOSSkipSwitchOn · device · info", []string{"🔵 info"}, "kos-device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			title, text := chat(t, tc.alerts...)
			if title != tc.title {
				t.Errorf("title %q, want %q", title, tc.title)
			}
			for _, want := range tc.text {
				if !strings.Contains(text, want) {
					t.Errorf("text lacks %q:\n%s", want, text)
				}
			}
			if n := strings.Count(text, "Runbook: "); n != 1 {
				t.Errorf("%d runbook lines, want 1 for one alert name:\n%s", n, text)
			}
			if m := dashboardLink.FindStringSubmatch(text); m == nil || m[1] != tc.dashboard {
				t.Errorf("dashboard link %v, want %s:\n%s", m, tc.dashboard, text)
			}
		})
	}
}
