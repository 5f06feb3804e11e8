// Package helmcheck tests the Helm chart deploy/helm/kos-exporter with
// Helm's own code: lint, render as `helm install --dry-run` does, and
// decode every rendered object strictly into its Kubernetes or
// prometheus-operator type.
package helmcheck

import (
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/kos-ops/kos_exporter/tools/helmcheck/chartfiles"
)

// namespace of every test release.
const namespace = "monitoring"

// repoRoot is the repository holding the chart and its sources.
func repoRoot(t *testing.T) string {
	t.Helper()
	repo, err := chartfiles.FindRepo(".")
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

func chartDir(t *testing.T) string {
	return filepath.Join(repoRoot(t), chartfiles.ChartDir)
}

func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	ch, err := loader.Load(chartDir(t))
	if err != nil {
		t.Fatalf("load chart: %v", err)
	}
	return ch
}

func readValues(t *testing.T, values string) chartutil.Values {
	t.Helper()
	vals, err := chartutil.ReadValues([]byte(values))
	if err != nil {
		t.Fatalf("values %q: %v", values, err)
	}
	return vals
}

// install renders the chart as `helm install --dry-run` does, with Helm's
// engine but without its cluster client (pkg/action would double the
// build): values merged and checked against values.schema.json, templates
// and NOTES.txt rendered, manifests sorted in install order.
func install(t *testing.T, releaseName, values string) (*release.Release, error) {
	t.Helper()
	ch := loadChart(t)
	user := readValues(t, values)
	options := chartutil.ReleaseOptions{Name: releaseName, Namespace: namespace, Revision: 1, IsInstall: true}
	vals, err := chartutil.ToRenderValuesWithSchemaValidation(ch, user, options, chartutil.DefaultCapabilities, false)
	if err != nil {
		return nil, err
	}
	files, err := engine.Render(ch, vals)
	if err != nil {
		return nil, err
	}
	notesFile := path.Join(ch.Name(), "templates", "NOTES.txt")
	notes, ok := files[notesFile]
	if !ok {
		return nil, fmt.Errorf("no %s", notesFile)
	}
	delete(files, notesFile)
	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, err
	}
	if len(hooks) > 0 {
		return nil, fmt.Errorf("%d hooks: the chart has none", len(hooks))
	}
	var b strings.Builder
	for _, m := range manifests {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.Name, m.Content)
	}
	return &release.Release{
		Name: releaseName, Namespace: namespace, Version: 1,
		Info:     &release.Info{Status: release.StatusDeployed, Notes: notes},
		Chart:    ch,
		Config:   user,
		Manifest: b.String(),
	}, nil
}

// objects are a release's rendered objects by "Kind/name", each decoded
// into its API type.
type objects map[string]metav1.Object

func (o objects) keys() []string {
	return slices.Sorted(maps.Keys(o))
}

// render installs and decodes; any failure ends the test.
func render(t *testing.T, releaseName, values string) objects {
	t.Helper()
	rel, err := install(t, releaseName, values)
	if err != nil {
		t.Fatalf("render with values %q: %v", values, err)
	}
	objs, err := decodeManifest(rel.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func decodeManifest(manifest string) (objects, error) {
	objs := objects{}
	for name, doc := range releaseutil.SplitManifests(manifest) {
		key, obj, err := decodeStrict([]byte(doc))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if _, dup := objs[key]; dup {
			return nil, fmt.Errorf("%s rendered twice", key)
		}
		objs[key] = obj
	}
	return objs, nil
}

// decodeStrict decodes one object into the Go type of its apiVersion and
// kind; a field the type does not know is an error, as a typo in a
// template must be.
func decodeStrict(doc []byte) (string, metav1.Object, error) {
	var head metav1.PartialObjectMetadata
	if err := yaml.Unmarshal(doc, &head); err != nil {
		return "", nil, fmt.Errorf("read apiVersion, kind and name: %w", err)
	}
	tm := head.TypeMeta
	var obj metav1.Object
	switch tm.APIVersion + " " + tm.Kind {
	case "apps/v1 Deployment":
		obj = &appsv1.Deployment{}
	case "v1 Service":
		obj = &corev1.Service{}
	case "v1 ConfigMap":
		obj = &corev1.ConfigMap{}
	case "v1 Secret":
		obj = &corev1.Secret{}
	case "monitoring.coreos.com/v1 ServiceMonitor":
		obj = &monitoringv1.ServiceMonitor{}
	case "monitoring.coreos.com/v1 PrometheusRule":
		obj = &monitoringv1.PrometheusRule{}
	default:
		return "", nil, fmt.Errorf("unexpected object %s %s", tm.APIVersion, tm.Kind)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return "", nil, fmt.Errorf("decode %s %s: %w", tm.Kind, head.Name, err)
	}
	return tm.Kind + "/" + obj.GetName(), obj, nil
}

// get returns the object key as T, or ends the test.
func get[T metav1.Object](t *testing.T, objs objects, key string) T {
	t.Helper()
	obj, ok := objs[key]
	if !ok {
		t.Fatalf("no %s among %q", key, objs.keys())
	}
	typed, ok := obj.(T)
	if !ok {
		t.Fatalf("%s is a %T", key, obj)
	}
	return typed
}

// readRepoFile reads a file by its path relative to the repository root.
func readRepoFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// repoGlob lists repository files matching pattern, relative to the root.
func repoGlob(t *testing.T, pattern string) []string {
	t.Helper()
	repo := repoRoot(t)
	matches, err := filepath.Glob(filepath.Join(repo, pattern))
	if err != nil || len(matches) == 0 {
		t.Fatalf("glob %s: %v matches, %v", pattern, len(matches), err)
	}
	for i, m := range matches {
		rel, err := filepath.Rel(repo, m)
		if err != nil {
			t.Fatal(err)
		}
		matches[i] = filepath.ToSlash(rel)
	}
	return matches
}

// podFile is where a container finds key of the pod's volume that holds
// ConfigMap or Secret source (kind "configMap" or "secret"); "" if it
// does not.
func podFile(spec corev1.PodSpec, c corev1.Container, kind, source, key string) string {
	for _, v := range spec.Volumes {
		var items []corev1.KeyToPath
		switch {
		case kind == "configMap" && v.ConfigMap != nil && v.ConfigMap.Name == source:
			items = v.ConfigMap.Items
		case kind == "secret" && v.Secret != nil && v.Secret.SecretName == source:
			items = v.Secret.Items
		default:
			continue
		}
		path := key
		if len(items) > 0 {
			i := slices.IndexFunc(items, func(it corev1.KeyToPath) bool { return it.Key == key })
			if i < 0 {
				continue
			}
			path = items[i].Path
		}
		for _, m := range c.VolumeMounts {
			if m.Name == v.Name && m.SubPath == "" {
				return m.MountPath + "/" + path
			}
		}
	}
	return ""
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
