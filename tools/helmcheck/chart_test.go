package helmcheck

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/kos-ops/kos_exporter/tools/helmcheck/chartfiles"
)

// The release is named so that the Service is "kos-exporter", the name a
// ServiceMonitor gives the job (a Service cannot be "kos_exporter").
const (
	releaseName = "kos-exporter"
	dsnValues   = "dsn: kos_exporter:s3cret@tcp(kos-db:3306)/kos\n"
	reportOn    = "report: {enabled: true, prometheusURL: 'http://prometheus-operated:9090', webhookURL: 'https://chat.example/hooks/abc'}\n"
)

// valueSet is one way to install the chart and every object it must yield
// (besides the dashboards when dashboards are on).
type valueSet struct {
	name       string
	values     string
	dashboards bool
	want       []string
}

func valueSets() []valueSet {
	exporter := []string{"ConfigMap/kos-exporter", "Deployment/kos-exporter", "Service/kos-exporter"}
	with := func(extra ...string) []string { return slices.Concat(exporter, extra) }
	return []valueSet{
		{"defaults", dsnValues, true, with("Secret/kos-exporter")},
		{"existingSecret", "existingSecret: kos-db\nexistingSecretKey: url\n", true, exporter},
		{"serviceMonitor on", dsnValues + "serviceMonitor: {enabled: true}\n", true, with("Secret/kos-exporter", "ServiceMonitor/kos-exporter")},
		{"rules on", dsnValues + "prometheusRule: {enabled: true}\n", true, with("Secret/kos-exporter", "PrometheusRule/kos-exporter")},
		{"report on", dsnValues + reportOn, true, with("Secret/kos-exporter", "Deployment/kos-exporter-report", "Secret/kos-exporter-report")},
		{"report with existingSecret", dsnValues + "report: {enabled: true, prometheusURL: 'http://prometheus:9090', existingSecret: chat}\n", true,
			with("Secret/kos-exporter", "Deployment/kos-exporter-report")},
		{"rules and dashboards off", dsnValues + "prometheusRule: {enabled: false}\ndashboards: {enabled: false}\n", false, with("Secret/kos-exporter")},
		{"everything on", dsnValues + reportOn + "serviceMonitor: {enabled: true}\nprometheusRule: {enabled: true}\n", true,
			with("Secret/kos-exporter", "ServiceMonitor/kos-exporter", "PrometheusRule/kos-exporter", "Deployment/kos-exporter-report", "Secret/kos-exporter-report")},
	}
}

func (vs valueSet) wantObjects(t *testing.T) []string {
	want := slices.Clone(vs.want)
	if vs.dashboards {
		for _, src := range repoGlob(t, "dashboards/*.json") {
			want = append(want, "ConfigMap/kos-exporter-dashboard-"+strings.TrimSuffix(path.Base(src), ".json"))
		}
	}
	slices.Sort(want)
	return want
}

// TestLint runs Helm's linter (chart file, values schema, templates,
// deprecated APIs) with every value set: no errors, no warnings.
func TestLint(t *testing.T) {
	for _, vs := range valueSets() {
		t.Run(vs.name, func(t *testing.T) {
			linter := lint.AllWithKubeVersionAndSchemaValidation(chartDir(t), readValues(t, vs.values), namespace, nil, false)
			for _, m := range linter.Messages {
				if m.Severity > support.InfoSev {
					t.Errorf("lint: %s", m)
				} else {
					t.Logf("lint: %s", m)
				}
			}
		})
	}
}

// TestRender renders every value set, decodes each object strictly and
// checks what holds for every install.
func TestRender(t *testing.T) {
	for _, vs := range valueSets() {
		t.Run(vs.name, func(t *testing.T) {
			objs := render(t, releaseName, vs.values)
			if got, want := objs.keys(), vs.wantObjects(t); !slices.Equal(got, want) {
				t.Fatalf("objects:\n got %q\nwant %q", got, want)
			}
			for key, obj := range objs {
				if got := obj.GetLabels()["app.kubernetes.io/instance"]; got != releaseName {
					t.Errorf("%s: label app.kubernetes.io/instance = %q", key, got)
				}
				if d, ok := obj.(*appsv1.Deployment); ok {
					checkDeployment(t, d)
				}
			}
			svc := get[*corev1.Service](t, objs, "Service/kos-exporter")
			selector := labels.SelectorFromSet(svc.Spec.Selector)
			if exporter := get[*appsv1.Deployment](t, objs, "Deployment/kos-exporter"); !selector.Matches(labels.Set(exporter.Spec.Template.Labels)) {
				t.Errorf("Service selector %v does not select the exporter pod %v", svc.Spec.Selector, exporter.Spec.Template.Labels)
			}
			if report, ok := objs["Deployment/kos-exporter-report"].(*appsv1.Deployment); ok && selector.Matches(labels.Set(report.Spec.Template.Labels)) {
				t.Errorf("Service selector %v also selects the report pod", svc.Spec.Selector)
			}
			if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "metrics" || svc.Spec.Ports[0].Port != 9847 || svc.Spec.Ports[0].TargetPort.String() != "metrics" {
				t.Errorf("Service ports = %+v, want one named metrics, 9847 → metrics", svc.Spec.Ports)
			}
		})
	}
}

// checkDeployment: one pod replaced by Recreate (the rules sum by job, two
// pods would count twice), non-root, read-only, no capabilities, bounded.
func checkDeployment(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	name := d.Name
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("%s: replicas %v, strategy %q; want 1, Recreate", name, d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	if !labels.SelectorFromSet(d.Spec.Selector.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("%s: selector %v does not match its pod labels", name, d.Spec.Selector.MatchLabels)
	}
	pod := d.Spec.Template.Spec
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("%s: the service account token is mounted; the pod never calls the API", name)
	}
	psc := pod.SecurityContext
	if psc == nil || !isTrue(psc.RunAsNonRoot) || !is(psc.RunAsUser, 65534) || !is(psc.RunAsGroup, 65534) || !is(psc.FSGroup, 65534) ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: pod securityContext %+v; want non-root 65534:65534, fsGroup 65534, seccomp RuntimeDefault", name, psc)
	}
	if len(pod.Containers) != 1 || len(pod.InitContainers) > 0 {
		t.Fatalf("%s: %d containers, %d init containers; want 1, 0", name, len(pod.Containers), len(pod.InitContainers))
	}
	c := pod.Containers[0]
	sc := c.SecurityContext
	if sc == nil || !isTrue(sc.RunAsNonRoot) || !isTrue(sc.ReadOnlyRootFilesystem) || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 || isTrue(sc.Privileged) {
		t.Errorf("%s: container securityContext %+v; want non-root, read-only root, no privilege escalation, all capabilities dropped", name, sc)
	}
	if c.Image != "ghcr.io/kos-ops/kos_exporter:"+loadChart(t).Metadata.AppVersion {
		t.Errorf("%s: image %q, want ghcr.io/kos-ops/kos_exporter:<appVersion>", name, c.Image)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() ||
		c.Resources.Limits.Memory().Cmp(*c.Resources.Requests.Memory()) < 0 {
		t.Errorf("%s: resources %+v; want cpu and memory requests and a memory limit above the request", name, c.Resources)
	}
	for _, m := range c.VolumeMounts {
		i := slices.IndexFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Name == m.Name })
		if i < 0 {
			t.Errorf("%s: mount %s has no volume", name, m.Name)
			continue
		}
		v := pod.Volumes[i]
		if (v.Secret != nil || v.ConfigMap != nil) && !m.ReadOnly {
			t.Errorf("%s: %s mounted read-write", name, m.Name)
		}
		if v.Secret != nil && (v.Secret.DefaultMode == nil || *v.Secret.DefaultMode&0o037 != 0) {
			t.Errorf("%s: Secret volume %s mode %v; want owner and group read at most", name, v.Name, v.Secret.DefaultMode)
		}
	}
	for _, e := range c.Env {
		if e.Name == "KOS_DSN" || strings.Contains(e.Value, "s3cret") {
			t.Errorf("%s: the DSN is in the environment (%s)", name, e.Name)
		}
	}
	if args := strings.Join(slices.Concat(c.Command, c.Args), " "); strings.Contains(args, "s3cret") || strings.Contains(args, "hooks/abc") {
		t.Errorf("%s: a secret is on the command line: %s", name, args)
	}
}

func isTrue(b *bool) bool { return b != nil && *b }

func is(n *int64, want int64) bool { return n != nil && *n == want }

// TestExporter checks the exporter's wiring: collectors.yaml and the DSN
// from read-only files, KOS_DSN_FILE naming the mounted key, probes on the
// named port.
func TestExporter(t *testing.T) {
	tests := []struct {
		name, values     string
		secret, key      string
		ownSecretChecked bool // the pod carries checksum/secret
	}{
		{"chart's Secret", dsnValues, "kos-exporter", "dsn", true},
		{"existingSecret", "existingSecret: kos-db\nexistingSecretKey: url\n", "kos-db", "url", false},
		{"existingSecret, default key", "existingSecret: kos-db\n", "kos-db", "dsn", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := render(t, releaseName, tt.values)
			d := get[*appsv1.Deployment](t, objs, "Deployment/kos-exporter")
			pod := d.Spec.Template.Spec
			c := pod.Containers[0]

			dsnFile := podFile(pod, c, "secret", tt.secret, tt.key)
			if dsnFile == "" {
				t.Fatalf("key %s of Secret %s is not mounted; volumes %+v", tt.key, tt.secret, pod.Volumes)
			}
			if got := envValue(c, "KOS_DSN_FILE"); got != dsnFile {
				t.Errorf("KOS_DSN_FILE = %q, want the mounted DSN %q", got, dsnFile)
			}
			if s, ok := objs["Secret/"+tt.secret].(*corev1.Secret); ok && string(s.Data[tt.key]) != "kos_exporter:s3cret@tcp(kos-db:3306)/kos" {
				t.Errorf("Secret %s key %s = %q, want the dsn value", tt.secret, tt.key, s.Data[tt.key])
			}
			if _, ok := d.Spec.Template.Annotations["checksum/secret"]; ok != tt.ownSecretChecked {
				t.Errorf("checksum/secret present = %v, want %v", ok, tt.ownSecretChecked)
			}

			configFile := podFile(pod, c, "configMap", "kos-exporter", "collectors.yaml")
			if configFile == "" || !slices.Contains(c.Args, "--config.file="+configFile) {
				t.Errorf("args %q do not load the ConfigMap's collectors.yaml (mounted at %q)", c.Args, configFile)
			}
			if len(c.Ports) != 1 || c.Ports[0].Name != "metrics" || c.Ports[0].ContainerPort != 9847 || !slices.Contains(c.Args, "--web.listen-address=:9847") {
				t.Errorf("ports %+v, args %q; want the exporter on 9847, named metrics", c.Ports, c.Args)
			}
			for probe, want := range map[*corev1.Probe]string{c.LivenessProbe: "/-/healthy", c.ReadinessProbe: "/-/ready"} {
				if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != want || probe.HTTPGet.Port.String() != "metrics" {
					t.Errorf("probe %+v, want GET %s on port metrics", probe, want)
				}
			}
			if c.LivenessProbe == nil || c.ReadinessProbe == nil {
				t.Fatal("liveness or readiness probe missing")
			}
		})
	}
}

func envValue(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// TestChecksumRollsPod: a new collectors.yaml or DSN changes the pod
// template, so Kubernetes replaces the pod; the same values change nothing.
func TestChecksumRollsPod(t *testing.T) {
	annotations := func(values string) map[string]string {
		return get[*appsv1.Deployment](t, render(t, releaseName, values), "Deployment/kos-exporter").Spec.Template.Annotations
	}
	const other = "collectors: |\n  targets: {kos: {dsn: '${KOS_DSN}'}}\n  collectors: []\n"
	base := annotations(dsnValues)
	tests := []struct {
		name, values             string
		configRolls, secretRolls bool
	}{
		{"same values", dsnValues, false, false},
		{"other collectors", dsnValues + other, true, false},
		{"other DSN", "dsn: kos_exporter:new@tcp(kos-db:3306)/kos\n", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := annotations(tt.values)
			for key, rolls := range map[string]bool{"checksum/config": tt.configRolls, "checksum/secret": tt.secretRolls} {
				if base[key] == "" {
					t.Fatalf("no %s annotation in %v", key, base)
				}
				if changed := got[key] != base[key]; changed != rolls {
					t.Errorf("%s changed = %v, want %v", key, changed, rolls)
				}
			}
		})
	}
}

// TestCollectorsConfigMap: the shipped collectors.yaml unchanged by
// default, the value when one is given.
func TestCollectorsConfigMap(t *testing.T) {
	const custom = "targets: {kos: {dsn: '${KOS_DSN}'}}\ncollectors: []\n"
	tests := []struct {
		name, values, want string
	}{
		{"shipped", dsnValues, string(readRepoFile(t, "collectors.yaml"))},
		{"from values", dsnValues + "collectors: |\n  targets: {kos: {dsn: '${KOS_DSN}'}}\n  collectors: []\n", custom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cm := get[*corev1.ConfigMap](t, render(t, releaseName, tt.values), "ConfigMap/kos-exporter")
			if got := cm.Data["collectors.yaml"]; got != tt.want {
				t.Errorf("collectors.yaml differs from the expected one:\n%s", got)
			}
			if len(cm.Data) != 1 {
				t.Errorf("ConfigMap keys %v, want only collectors.yaml", cm.Data)
			}
		})
	}
}

// TestServiceMonitor: scrapes the Service's metrics port as often as the
// collectors run, with the timeout of examples/prometheus.yml, and leaves
// the job the Service's name, which the rules select.
func TestServiceMonitor(t *testing.T) {
	type scrapeConfig struct {
		JobName        string `json:"job_name"`
		ScrapeInterval string `json:"scrape_interval"`
		ScrapeTimeout  string `json:"scrape_timeout"`
	}
	var example struct {
		ScrapeConfigs []scrapeConfig `json:"scrape_configs"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, "examples/prometheus.yml"), &example); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(example.ScrapeConfigs, func(s scrapeConfig) bool { return s.JobName == "kos_exporter" })
	if i < 0 {
		t.Fatal("examples/prometheus.yml has no kos_exporter job")
	}
	want := example.ScrapeConfigs[i]

	objs := render(t, releaseName, dsnValues+"serviceMonitor: {enabled: true, additionalLabels: {release: prom}}\nprometheusRule: {enabled: true}\n")
	sm := get[*monitoringv1.ServiceMonitor](t, objs, "ServiceMonitor/kos-exporter")
	svc := get[*corev1.Service](t, objs, "Service/kos-exporter")
	if len(sm.Spec.Endpoints) != 1 {
		t.Fatalf("endpoints %+v, want one", sm.Spec.Endpoints)
	}
	ep := sm.Spec.Endpoints[0]
	if ep.Port != svc.Spec.Ports[0].Name || ep.Path != "/metrics" {
		t.Errorf("endpoint port %q path %q, want the Service's port %q, /metrics", ep.Port, ep.Path, svc.Spec.Ports[0].Name)
	}
	if string(ep.Interval) != want.ScrapeInterval || string(ep.ScrapeTimeout) != want.ScrapeTimeout {
		t.Errorf("interval %s timeout %s, want %s and %s as in examples/prometheus.yml", ep.Interval, ep.ScrapeTimeout, want.ScrapeInterval, want.ScrapeTimeout)
	}
	selector, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
	if err != nil {
		t.Fatal(err)
	}
	if !selector.Matches(labels.Set(svc.Labels)) {
		t.Errorf("selector %v does not select the Service's labels %v", sm.Spec.Selector, svc.Labels)
	}
	if sm.Spec.JobLabel != "" {
		t.Errorf("jobLabel %q: the job would not be the Service name the rules select", sm.Spec.JobLabel)
	}
	if sm.Labels["release"] != "prom" {
		t.Errorf("additionalLabels missing: %v", sm.Labels)
	}
}

// exporterJobSelector matches a selector on the shipped job name, however
// spaced; the chart must leave none.
var exporterJobSelector = regexp.MustCompile(`job\s*(=|=~|!=|!~)\s*"kos_exporter"`)

// TestPrometheusRule: the PrometheusRule holds exactly the groups of
// rules/*.yaml, with the job selector rewritten to the job Prometheus
// uses.
func TestPrometheusRule(t *testing.T) {
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

// reportFlags lists the flags docs/report.md documents.
func reportFlags(t *testing.T) []string {
	var flags []string
	flag := regexp.MustCompile("`(--[a-z][a-z.-]*)`")
	for _, line := range strings.Split(string(readRepoFile(t, "docs/report.md")), "\n") {
		if cell, _, ok := strings.Cut(strings.TrimPrefix(line, "| "), " |"); ok && strings.HasPrefix(line, "| `--") {
			for _, m := range flag.FindAllStringSubmatch(cell, -1) {
				flags = append(flags, m[1])
			}
		}
	}
	if len(flags) < 10 {
		t.Fatalf("docs/report.md lists %d flags: the flag table moved", len(flags))
	}
	return flags
}

// TestReport: kos_report from the same image, sending every hour, its
// webhook URL from a mounted Secret file, its state on a writable volume,
// only documented flags.
func TestReport(t *testing.T) {
	tests := []struct {
		name, values, secret, key string
	}{
		{"chart's Secret", reportOn, "kos-exporter-report", "webhook-url"},
		{"existingSecret", "report: {enabled: true, prometheusURL: 'http://prometheus-operated:9090', existingSecret: chat, existingSecretKey: url}\n", "chat", "url"},
	}
	documented := reportFlags(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := render(t, releaseName, dsnValues+tt.values)
			d := get[*appsv1.Deployment](t, objs, "Deployment/kos-exporter-report")
			pod := d.Spec.Template.Spec
			c := pod.Containers[0]
			if !slices.Equal(c.Command, []string{"/bin/kos_report"}) {
				t.Errorf("command %q, want /bin/kos_report", c.Command)
			}
			args := map[string]string{}
			for _, a := range c.Args {
				name, value, _ := strings.Cut(a, "=")
				args[name] = value
				if !slices.Contains(documented, name) {
					t.Errorf("argument %q: kos_report has no such flag (docs/report.md)", a)
				}
			}
			webhook := podFile(pod, c, "secret", tt.secret, tt.key)
			if webhook == "" || args["--webhook.url-file"] != webhook {
				t.Errorf("--webhook.url-file=%q, want key %s of Secret %s, mounted at %q", args["--webhook.url-file"], tt.key, tt.secret, webhook)
			}
			if args["--every"] != "1h" || args["--prometheus.url"] != "http://prometheus-operated:9090" || args["--tz"] == "" {
				t.Errorf("args %q; want --every=1h, --prometheus.url from values, --tz", c.Args)
			}
			state := args["--state.file"]
			i := slices.IndexFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return path.Dir(state) == m.MountPath })
			if i < 0 || c.VolumeMounts[i].ReadOnly {
				t.Errorf("--state.file=%q is not on a writable mount (%+v)", state, c.VolumeMounts)
			}
			for _, v := range pod.Volumes {
				if v.Secret != nil && v.Secret.SecretName != tt.secret {
					t.Errorf("report mounts Secret %s; it needs only the webhook", v.Secret.SecretName)
				}
			}
			if len(c.Ports) > 0 || len(c.Env) > 0 {
				t.Errorf("ports %v env %v; kos_report needs neither", c.Ports, c.Env)
			}
		})
	}
}

// TestRenderErrors: values that cannot work fail at install with a message
// naming the value.
func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name, values, want string
	}{
		{"no DSN", "", "set dsn (the chart keeps it in a Secret) or existingSecret"},
		{"DSN twice", dsnValues + "existingSecret: kos-db\n", "set either dsn or existingSecret, not both"},
		{"report without Prometheus", dsnValues + "report: {enabled: true, webhookURL: 'https://chat.example/x'}\n", "report.enabled needs report.prometheusURL"},
		{"report without webhook", dsnValues + "report: {enabled: true, prometheusURL: 'http://p:9090'}\n", "report.enabled needs the webhook URL"},
		{"webhook twice", dsnValues + "report: {enabled: true, prometheusURL: 'http://p:9090', webhookURL: x, existingSecret: chat}\n", "not both"},
		{"misspelt value", dsnValues + "serviceMonitor: {enable: true}\n", "enable"},
		{"interval not a duration", dsnValues + "serviceMonitor: {interval: 15}\n", "interval"},
		{"unknown log level", dsnValues + "logLevel: verbose\n", "logLevel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := install(t, releaseName, tt.values)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("install error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestReleaseSize: Helm keeps each release (chart files included) in a
// Secret, which Kubernetes caps at 1 MiB; the dashboards are the bulk.
// The encoding is Helm's storage driver's: JSON, gzip, base64.
func TestReleaseSize(t *testing.T) {
	rel, err := install(t, releaseName, valueSets()[len(valueSets())-1].values)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(rel)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	size := base64.StdEncoding.EncodedLen(buf.Len())
	limit := resource.MustParse("1Mi")
	t.Logf("release record: %d bytes (JSON %d bytes)", size, len(raw))
	if int64(size) > limit.Value() {
		t.Errorf("the release record is %d bytes, over the Secret limit of 1 MiB", size)
	}
}

// TestDecodeStrict: the decoder refuses what the API server would not
// know, so the other tests' decoding proves the templates' field names.
func TestDecodeStrict(t *testing.T) {
	tests := []struct {
		name, doc, wantErr string
	}{
		{"known fields", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 1}]}\n", ""},
		{"unknown field", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {prots: [{port: 1}]}\n", `unknown field "prots"`},
		{"unknown nested field", "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: a}\nspec: {endpoints: [{port: m, intervall: 15s}]}\n", "intervall"},
		{"unknown kind", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n", "unexpected object v1 Pod"},
		{"wrong type", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {replicas: one}\n", "replicas"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, _, err := decodeStrict([]byte(tt.doc))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.wantErr == "" && key == "":
				t.Error("no key")
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestReadmeValues installs with the values file of each README's
// copy-paste block, so the documented install works.
func TestReadmeValues(t *testing.T) {
	for _, readme := range []string{"README.md", chartfiles.ChartDir + "/README.md"} {
		t.Run(readme, func(t *testing.T) {
			_, rest, ok := strings.Cut(string(readRepoFile(t, readme)), "cat > kos-values.yaml <<'EOF'\n")
			values, _, closed := strings.Cut(rest, "\nEOF\n")
			if !ok || !closed {
				t.Fatal("no kos-values.yaml block")
			}
			rel, err := install(t, releaseName, values)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := decodeManifest(rel.Manifest)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(rel.Info.Notes, `selects job="kos-exporter"`) {
				t.Errorf("NOTES.txt does not name the job the rules select:\n%s", rel.Info.Notes)
			}
			for _, key := range []string{"Deployment/kos-exporter", "ServiceMonitor/kos-exporter", "PrometheusRule/kos-exporter"} {
				get[metav1.Object](t, objs, key)
			}
			if _, ok := objs["Secret/kos-exporter"]; ok {
				t.Error("the install uses its own Secret, yet the chart made one")
			}
		})
	}
}

// TestChartVersion: the chart and the image tag it deploys are the newest
// release of CHANGELOG.md, so a release cannot ship a chart that deploys
// the previous image.
func TestChartVersion(t *testing.T) {
	release := regexp.MustCompile(`(?m)^## \[?v?(\d+\.\d+\.\d+)\]?`).FindStringSubmatch(string(readRepoFile(t, "CHANGELOG.md")))
	if release == nil {
		t.Fatal("CHANGELOG.md names no release (## x.y.z)")
	}
	meta := loadChart(t).Metadata
	if meta.Version != release[1] || meta.AppVersion != release[1] {
		t.Errorf("Chart.yaml version %s, appVersion %s; want the newest release of CHANGELOG.md, %s", meta.Version, meta.AppVersion, release[1])
	}
}

// TestImageContract: the chart relies on the image's entrypoint, the
// kos_report path, the user and the port; the Dockerfile (kept equal to
// the image builder by tools/image) must provide them.
func TestImageContract(t *testing.T) {
	dockerfile := strings.Split(string(readRepoFile(t, "Dockerfile")), "\n")
	objs := render(t, releaseName, dsnValues+reportOn)
	exporter := get[*appsv1.Deployment](t, objs, "Deployment/kos-exporter").Spec.Template.Spec
	report := get[*appsv1.Deployment](t, objs, "Deployment/kos-exporter-report").Spec.Template.Spec
	if len(exporter.Containers[0].Command) > 0 {
		t.Fatalf("the exporter overrides the entrypoint: %q", exporter.Containers[0].Command)
	}
	psc := exporter.SecurityContext
	want := []string{
		`ENTRYPOINT ["/bin/kos_exporter"]`,
		fmt.Sprintf("USER %d:%d", *psc.RunAsUser, *psc.RunAsGroup),
		fmt.Sprintf("EXPOSE %d/tcp", exporter.Containers[0].Ports[0].ContainerPort),
	}
	for _, line := range want {
		if !slices.Contains(dockerfile, line) {
			t.Errorf("Dockerfile has no line %q", line)
		}
	}
	bin := report.Containers[0].Command[0]
	if !slices.ContainsFunc(dockerfile, func(l string) bool { return strings.HasPrefix(l, "COPY ") && strings.HasSuffix(l, " "+bin) }) {
		t.Errorf("Dockerfile copies nothing to %s, the report's command", bin)
	}
}
