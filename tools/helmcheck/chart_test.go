package helmcheck

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"path"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
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
	all := valueSets()
	rel, err := install(t, releaseName, all[len(all)-1].values) // everything on
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
