package helmcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestPrometheusRule: the PrometheusRule holds exactly the groups of
// rules/*.yaml, with the job selector rewritten to the job Prometheus
// uses.
func TestPrometheusRule(t *testing.T) {
	// A selector on the shipped job name, however spaced: none may remain.
	exporterJobSelector := regexp.MustCompile(`job\s*(=|=~|!=|!~)\s*"kos_exporter"`)
	tests := []struct {
		name, release, values string
		service, job          string
	}{
		{"release kos-exporter", releaseName, "prometheusRule: {enabled: true}\n", "kos-exporter", "kos-exporter"},
		{"release prod", "prod", "prometheusRule: {enabled: true}\n", "prod-kos-exporter", "prod-kos-exporter"},
		{"fullnameOverride", releaseName, "prometheusRule: {enabled: true}\nfullnameOverride: kos\n", "kos", "kos"},
		{"jobName", releaseName, "prometheusRule: {enabled: true, jobName: kos-db-1}\n", "kos-exporter", "kos-db-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := render(t, tt.release, dsnValues+"serviceMonitor: {enabled: true}\n"+tt.values)
			get[*corev1.Service](t, objs, "Service/"+tt.service)
			pr := get[*monitoringv1.PrometheusRule](t, objs, "PrometheusRule/"+tt.service)

			jobSelector := `job="` + tt.job + `"`
			var want []monitoringv1.RuleGroup
			selecting := 0
			for _, src := range repoGlob(t, "rules/*.yaml") {
				text := string(readRepoFile(t, src))
				selecting += len(exporterJobSelector.FindAllString(text, -1))
				var file monitoringv1.PrometheusRuleSpec
				if err := yaml.UnmarshalStrict([]byte(strings.ReplaceAll(text, `job="kos_exporter"`, jobSelector)), &file); err != nil {
					t.Fatalf("%s as prometheus-operator rule groups: %v", src, err)
				}
				want = append(want, file.Groups...)
			}
			if selecting == 0 {
				t.Fatal(`rules/*.yaml select job="kos_exporter" nowhere: this test checks nothing`)
			}
			if diff := groupsDiff(pr.Spec.Groups, want); diff != "" {
				t.Errorf("groups differ from rules/*.yaml with %s: %s", jobSelector, diff)
			}

			rendered := strings.Join(ruleTexts(pr.Spec.Groups), "\n")
			if left := exporterJobSelector.FindAllString(rendered, -1); len(left) > 0 {
				t.Errorf("rules still select the shipped job: %q", left)
			}
			if got := strings.Count(rendered, jobSelector); got != selecting {
				t.Errorf("%d selectors of %s, want %d (one per shipped job selector)", got, jobSelector, selecting)
			}
		})
	}
}

// ruleTexts are the rules' expressions, label and annotation values.
func ruleTexts(groups []monitoringv1.RuleGroup) []string {
	var texts []string
	for _, g := range groups {
		for _, r := range g.Rules {
			texts = append(texts, r.Expr.String())
			texts = slices.AppendSeq(texts, maps.Values(r.Labels))
			texts = slices.AppendSeq(texts, maps.Values(r.Annotations))
		}
	}
	return texts
}

// groupsDiff names the first difference between two rule group lists, ""
// if none.
func groupsDiff(got, want []monitoringv1.RuleGroup) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d groups, want %d", len(got), len(want))
	}
	for i := range got {
		a, err := json.Marshal(got[i])
		if err != nil {
			return err.Error()
		}
		b, err := json.Marshal(want[i])
		if err != nil {
			return err.Error()
		}
		if !bytes.Equal(a, b) {
			return fmt.Sprintf("group %s:\n got %s\nwant %s", want[i].Name, a, b)
		}
	}
	return ""
}

// TestDashboards: one ConfigMap per dashboards/*.json for the Grafana
// sidecar, holding that file unchanged.
func TestDashboards(t *testing.T) {
	objs := render(t, releaseName, dsnValues+"dashboards: {annotations: {grafana_folder: KOS}}\n")
	sources := repoGlob(t, "dashboards/*.json")
	count := 0
	for key := range objs {
		if strings.HasPrefix(key, "ConfigMap/kos-exporter-dashboard-") {
			count++
		}
	}
	if count != len(sources) {
		t.Errorf("%d dashboard ConfigMaps, want %d (one per dashboards/*.json)", count, len(sources))
	}
	for _, src := range sources {
		name := strings.TrimSuffix(path.Base(src), ".json")
		t.Run(name, func(t *testing.T) {
			cm := get[*corev1.ConfigMap](t, objs, "ConfigMap/kos-exporter-dashboard-"+name)
			if cm.Labels["grafana_dashboard"] != "1" || cm.Annotations["grafana_folder"] != "KOS" {
				t.Errorf("labels %v annotations %v; want grafana_dashboard=1 and the folder annotation", cm.Labels, cm.Annotations)
			}
			got, ok := cm.Data[name+".json"]
			if !ok || len(cm.Data) != 1 {
				t.Fatalf("keys %v, want only %s.json", slices.Sorted(maps.Keys(cm.Data)), name)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("%s.json is not valid JSON", name)
			}
			if got != string(readRepoFile(t, src)) {
				t.Errorf("%s.json differs from %s", name, src)
			}
		})
	}
}
