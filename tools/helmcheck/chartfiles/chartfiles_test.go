package chartfiles

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestChartCopiesCurrent is the guard against hand copies: the chart's
// files/ must equal the repository's sources byte for byte.
func TestChartCopiesCurrent(t *testing.T) {
	repo, err := FindRepo(".")
	if err != nil {
		t.Fatal(err)
	}
	problems, err := Check(repo)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: run `%s`", p, FixCommand)
	}
}

// fakeRepo writes files (path → content) under a temporary repository root
// that holds the chart.
func fakeRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	repo := t.TempDir()
	files[ChartDir+"/Chart.yaml"] = "name: kos-exporter\n"
	for name, content := range files {
		path := filepath.Join(repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return repo
}

func TestCheckAndSync(t *testing.T) {
	sources := map[string]string{
		"bundle.yaml":          "job: kos_exporter\n",
		"collectors.yaml":      "global: {}\n",
		"collectors-live.yaml": "global: {live: true}\n",
		"rules/alerts.yaml":    "groups: []\n",
		"dashboards/wall.json": "{}\n",
	}
	const files = ChartDir + "/files/"
	tests := []struct {
		name      string
		chart     map[string]string // chart paths → content, on top of sources
		wantCheck []string
		wantSync  []string
	}{
		{
			name: "current",
			chart: map[string]string{
				files + "bundle.yaml":          "job: kos_exporter\n",
				files + "collectors.yaml":      "global: {}\n",
				files + "collectors-live.yaml": "global: {live: true}\n",
				files + "rules/alerts.yaml":    "groups: []\n",
				files + "dashboards/wall.json": "{}\n",
			},
		},
		{
			name: "missing, differing and stray copies",
			chart: map[string]string{
				files + "bundle.yaml":          "job: kos_exporter\n",
				files + "collectors.yaml":      "global: {}\n",
				files + "collectors-live.yaml": "global: {live: true}\n",
				files + "rules/alerts.yaml":    "groups: [edited]\n",
				files + "rules/old.yaml":       "groups: []\n",
				files + "dashboards/old.json":  "{}\n",
			},
			wantCheck: []string{
				ChartDir + "/files/dashboards/wall.json is missing (copy of dashboards/wall.json)",
				ChartDir + "/files/rules/alerts.yaml differs from rules/alerts.yaml",
				ChartDir + "/files/dashboards/old.json has no source",
				ChartDir + "/files/rules/old.yaml has no source",
			},
			wantSync: []string{
				"files/dashboards/old.json", "files/dashboards/wall.json",
				"files/rules/alerts.yaml", "files/rules/old.yaml",
			},
		},
		{
			name:  "no copies yet",
			chart: map[string]string{},
			wantCheck: []string{
				ChartDir + "/files/bundle.yaml is missing (copy of bundle.yaml)",
				ChartDir + "/files/collectors-live.yaml is missing (copy of collectors-live.yaml)",
				ChartDir + "/files/collectors.yaml is missing (copy of collectors.yaml)",
				ChartDir + "/files/dashboards/wall.json is missing (copy of dashboards/wall.json)",
				ChartDir + "/files/rules/alerts.yaml is missing (copy of rules/alerts.yaml)",
			},
			wantSync: []string{"files/bundle.yaml", "files/collectors-live.yaml", "files/collectors.yaml", "files/dashboards/wall.json", "files/rules/alerts.yaml"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all := map[string]string{}
			for k, v := range sources {
				all[k] = v
			}
			for k, v := range tt.chart {
				all[k] = v
			}
			repo := fakeRepo(t, all)

			problems, err := Check(repo)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(problems, tt.wantCheck) {
				t.Errorf("Check:\n got %q\nwant %q", problems, tt.wantCheck)
			}
			changed, err := Sync(repo)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(changed, tt.wantSync) {
				t.Errorf("Sync changed:\n got %q\nwant %q", changed, tt.wantSync)
			}
			if problems, err := Check(repo); err != nil || len(problems) > 0 {
				t.Errorf("after Sync, Check = %q, %v; want nothing", problems, err)
			}
			if changed, err := Sync(repo); err != nil || len(changed) > 0 {
				t.Errorf("second Sync changed %q, %v; want nothing", changed, err)
			}
		})
	}
}

func TestPlanErrors(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string
	}{
		{"no rules", map[string]string{"bundle.yaml": "", "collectors.yaml": "", "collectors-live.yaml": "", "dashboards/a.json": "{}"}, "no file matches rules/*.yaml"},
		{"no collectors", map[string]string{"bundle.yaml": "", "collectors-live.yaml": "", "rules/a.yaml": "", "dashboards/a.json": "{}"}, "no file matches collectors.yaml"},
		{"no live collectors", map[string]string{"bundle.yaml": "", "collectors.yaml": "", "rules/a.yaml": "", "dashboards/a.json": "{}"}, "no file matches collectors-live.yaml"},
		{"no bundle.yaml", map[string]string{"collectors.yaml": "", "collectors-live.yaml": "", "rules/a.yaml": "", "dashboards/a.json": "{}"}, "no file matches bundle.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Plan(fakeRepo(t, tt.files))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Plan error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestFindRepo(t *testing.T) {
	repo := fakeRepo(t, map[string]string{})
	deep := filepath.Join(repo, "tools", "helmcheck", "chartfiles")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{repo, deep} {
		if got, err := FindRepo(dir); err != nil || got != repo {
			t.Errorf("FindRepo(%s) = %q, %v; want %q", dir, got, err, repo)
		}
	}
	if got, err := FindRepo(t.TempDir()); err == nil {
		t.Errorf("FindRepo outside a repository = %q, want an error", got)
	}
}
