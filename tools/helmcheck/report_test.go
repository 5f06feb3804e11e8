package helmcheck

import (
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

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
