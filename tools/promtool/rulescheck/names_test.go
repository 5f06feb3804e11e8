package rulescheck

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// generate runs go with args in dir (relative to the repository root): the
// generator lives in the exporter's module and promtool's unit tests in
// package main, so both run as commands. go test puts its own go first on
// PATH; both binaries are in the build cache after make rules-test's first
// steps.
func generate(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Dir = filepath.Join(repo, dir)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestBundleWithOtherNames renders the whole bundle with a Kubernetes job
// name, an internal runbook address and the war-room's time zone, and
// proves with promtool's own unit tests that every rule test passes for
// that job, that is, KOSExporterDown and KOSExporterAbsent fire for
// job="kos-exporter"; every job selector, runbook link and dashboard
// carries the new names.
func TestBundleWithOtherNames(t *testing.T) {
	t.Parallel()
	const (
		job  = "kos-exporter"
		base = "https://wiki.example.internal/kos/runbooks"
		tz   = "Asia/Seoul"
	)
	shipped := loadBundleNames(t)
	dir := t.TempDir()
	config := filepath.Join(dir, "bundle.yaml")
	if err := os.WriteFile(config, []byte("job: "+job+"\nrunbook_url_base: "+base+"\ndashboard_timezone: "+tz+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := generate(t, ".", "run", "./dashboards/gen", "--config.file", config, "--output.dir", dir, "--log.level", "warn"); err != nil {
		t.Fatalf("go run ./dashboards/gen: %v\n%s", err, out)
	}

	tests, err := filepath.Glob(filepath.Join(dir, "rules", "tests", "*.test.yaml"))
	if err != nil || len(tests) != len(loadRuleTests(t)) {
		t.Fatalf("rendered %d rule test files (%v), want as many as rules/tests holds", len(tests), err)
	}
	out, err := generate(t, "tools/promtool", append([]string{"tool", "promtool", "test", "rules"}, tests...)...)
	if err != nil {
		t.Errorf("promtool test rules on the rendered bundle: %v\n%s", err, out)
	}
	if n := strings.Count(out, "SUCCESS"); n != len(tests) {
		t.Errorf("promtool passed %d test files, want %d:\n%s", n, len(tests), out)
	}

	// Every job selector and label of the rules and their tests moved to
	// the new job, none is left behind.
	for _, pattern := range []string{"*.yaml", "tests/*.test.yaml"} {
		shippedFiles, err := filepath.Glob(filepath.Join(repo, "rules", pattern))
		if err != nil || len(shippedFiles) == 0 {
			t.Fatalf("rules/%s: %v", pattern, err)
		}
		for _, p := range shippedFiles {
			name := filepath.Join(pattern[:strings.LastIndex(pattern, "*")], filepath.Base(p))
			rendered := string(readAbs(t, filepath.Join(dir, "rules", name)))
			was := string(readFile(t, filepath.Join("rules", name)))
			for _, form := range []string{`job="%s"`, "job: %s\n", "in job %s:", "(%s)"} {
				old, now := strings.ReplaceAll(form, "%s", shipped.Job), strings.ReplaceAll(form, "%s", job)
				if got, want := strings.Count(rendered, now), strings.Count(was, old); got != want {
					t.Errorf("rules/%s: %d × %s, want %d as shipped has %s", name, got, now, want, old)
				}
			}
			if strings.Contains(rendered, shipped.Job+`"`) || strings.Contains(rendered, shipped.RunbookURLBase) {
				t.Errorf("rules/%s still holds the shipped job or runbook address", name)
			}
		}
	}
	var selects int
	for _, a := range alerts(loadRulesFrom(t, filepath.Join(dir, "rules"))) {
		if want := base + "#" + strings.ToLower(a.Alert); a.Annotations["runbook_url"] != want {
			t.Errorf("%s: runbook_url %q, want %q", a.Alert, a.Annotations["runbook_url"], want)
		}
		for _, s := range selectors(t, a.Expr) {
			for _, m := range s.matchers {
				if m.name == "job" {
					selects++
					if m.value != job || m.re || m.neg {
						t.Errorf("%s: %s selects job %q, want = %q", a.Alert, s.name, m.value, job)
					}
				}
			}
		}
	}
	if selects == 0 {
		t.Error("no alert selects a job")
	}

	// The dashboards show the war-room's clock and link the internal
	// runbooks wherever the shipped ones link GitHub.
	boards, err := filepath.Glob(filepath.Join(dir, "dashboards", "*.json"))
	if err != nil || len(boards) != len(dashboardUIDs(t)) {
		t.Fatalf("rendered %d dashboards (%v), want as many as dashboards/ holds", len(boards), err)
	}
	for _, p := range boards {
		b := readAbs(t, p)
		var d struct {
			Timezone string `json:"timezone"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if d.Timezone != tz {
			t.Errorf("%s: timezone %q, want %q", filepath.Base(p), d.Timezone, tz)
		}
		was := readFile(t, filepath.Join("dashboards", filepath.Base(p)))
		if got, want := strings.Count(string(b), base), strings.Count(string(was), shipped.RunbookURLBase); got != want || strings.Contains(string(b), shipped.RunbookURLBase) {
			t.Errorf("%s: %d links to %s, want %d and none to %s", filepath.Base(p), got, base, want, shipped.RunbookURLBase)
		}
	}
}

// TestShippedRulesMissAnotherJob is the bug the names fix: with the
// exporter scraped in job kos-exporter (as on Kubernetes), the rules as
// shipped never see it go down and miss it forever.
func TestShippedRulesMissAnotherJob(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range ruleFiles {
		if err := os.WriteFile(filepath.Join(dir, f), readFile(t, filepath.Join("rules", f)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	test := strings.ReplaceAll(string(readFile(t, "rules/tests/exporter.test.yaml")), `job="kos_exporter"`, `job="kos-exporter"`)
	test = strings.ReplaceAll(test, "- ../", "- ")
	path := filepath.Join(dir, "exporter.test.yaml")
	if err := os.WriteFile(path, []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := generate(t, "tools/promtool", "tool", "promtool", "test", "rules", path)
	if err == nil {
		t.Fatalf("promtool passed the shipped rules with a series in another job:\n%s", out)
	}
	for _, want := range []string{"alertname: KOSExporterDown", "alertname: KOSExporterAbsent"} {
		if !strings.Contains(out, want) {
			t.Errorf("promtool output lacks %q:\n%s", want, out)
		}
	}
}

func readAbs(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
