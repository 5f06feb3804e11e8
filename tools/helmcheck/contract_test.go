package helmcheck

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kos-ops/kos_exporter/tools/helmcheck/chartfiles"
)

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
