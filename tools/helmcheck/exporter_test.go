package helmcheck

import (
	"slices"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

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
// default, collectors-live.yaml unchanged when chosen, the value when one
// is given.
func TestCollectorsConfigMap(t *testing.T) {
	const custom = "targets: {kos: {dsn: '${KOS_DSN}'}}\ncollectors: []\n"
	tests := []struct {
		name, values, want string
	}{
		{"shipped", dsnValues, string(readRepoFile(t, "collectors.yaml"))},
		{"shipped live-table variant", dsnValues + "collectorsFile: collectors-live.yaml\n", string(readRepoFile(t, "collectors-live.yaml"))},
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
