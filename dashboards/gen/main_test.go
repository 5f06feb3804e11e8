package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const repo = "../.."

// shipped renders the bundle as the repository ships it.
func shipped(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := render(filepath.Join(repo, "bundle.yaml"), filepath.Join(repo, "rules", "src"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestCommittedFilesAreCurrent fails when rules/*.yaml, rules/tests/ or
// dashboards/*.json differ from what the generator writes now (a changed
// template, definition, alert, threshold or name), or when such a file is
// not generated.
func TestCommittedFilesAreCurrent(t *testing.T) {
	files := shipped(t)
	for name, want := range files {
		t.Run(name, func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join(repo, filepath.FromSlash(name)))
			if err != nil {
				t.Fatalf("%v; run: make bundle", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is out of date; run: make bundle", name)
			}
		})
	}
	for _, pattern := range []string{"dashboards/*.json", "rules/*.yaml", "rules/tests/*.test.yaml"} {
		committed, err := filepath.Glob(filepath.Join(repo, filepath.FromSlash(pattern)))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range committed {
			rel, err := filepath.Rel(repo, p)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := files[filepath.ToSlash(rel)]; !ok {
				t.Errorf("%s is not generated; delete it, or add its template or dashboard", rel)
			}
		}
	}
}

// TestShippedNames: the shipped files keep job="kos_exporter" (the Helm
// chart replaces exactly that string with its Service's name) and the
// runbooks on GitHub, and leave the time zone to the browser.
func TestShippedNames(t *testing.T) {
	n, err := loadNames(filepath.Join(repo, "bundle.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := names{Job: "kos_exporter", RunbookURLBase: "https://github.com/kos-ops/kos_exporter/blob/main/docs/runbooks.md", DashboardTimezone: "browser"}
	if n != want {
		t.Errorf("bundle.yaml = %+v, want %+v", n, want)
	}
	if alerts := shipped(t)["rules/alerts.yaml"]; !bytes.Contains(alerts, []byte(`up{job="kos_exporter"}`)) {
		t.Error(`rules/alerts.yaml does not select up{job="kos_exporter"}`)
	}
}

func TestParseConstant(t *testing.T) {
	for _, tc := range []struct {
		name, expr string
		want       float64
		wantErr    bool
	}{
		{"integer", "vector(600)", 600, false},
		{"fraction", "vector(0.05)", 0.05, false},
		{"spaces around", "  vector(2)\n", 2, false},
		{"not a constant", "sum(up)", 0, true},
		{"bad number", "vector(1.2.3)", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseConstant(tc.expr)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("parseConstant(%q) = %v, %v; want %v, error %v", tc.expr, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// TestUnknownNamesFail: a runbook link to an alert or a colour from a
// threshold that the rules do not define stops the build.
func TestUnknownNamesFail(t *testing.T) {
	in := &inputs{alerts: map[string]bool{"KOSKnown": true}, thresholds: map[string]float64{"known": 1}}
	for _, tc := range []struct {
		name string
		use  func(b *board)
		want string
	}{
		{"alert", func(b *board) { b.runbook("KOSUnknown") }, "unknown alert KOSUnknown"},
		{"threshold", func(b *board) { b.threshold("unknown") }, "unknown threshold kos:threshold:unknown"},
		{"known names", func(b *board) { b.runbook("KOSKnown"); b.threshold("known") }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBoard(in, boardSpec{uid: "test"})
			tc.use(b)
			_, err := b.build()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("build() error %v, want %q", err, tc.want)
			}
		})
	}
}

// TestLayout: panels wrap at 24 columns, rows take a full line, ids count up.
func TestLayout(t *testing.T) {
	b := newBoard(&inputs{}, boardSpec{uid: "test"})
	b.row("one")
	b.add(12, 4, stat("a", "a", "short"))
	b.add(12, 6, stat("b", "b", "short"))
	b.add(8, 4, stat("c", "c", "short"))
	b.row("two")
	b.add(24, 3, stat("d", "d", "short"))
	var got []gridPos
	var ids []int
	for _, p := range b.d.Panels {
		got = append(got, p.GridPos)
		ids = append(ids, p.ID)
	}
	want := []gridPos{{1, 24, 0, 0}, {4, 12, 0, 1}, {6, 12, 12, 1}, {4, 8, 0, 7}, {1, 24, 0, 11}, {3, 24, 0, 12}}
	if !slices.Equal(got, want) {
		t.Errorf("grid positions %v, want %v", got, want)
	}
	if !slices.Equal(ids, []int{1, 2, 3, 4, 5, 6}) {
		t.Errorf("ids %v, want 1..6", ids)
	}
}

// TestRun: the command writes what render gives under --output.dir, and
// takes the flags every kos command takes.
func TestRun(t *testing.T) {
	want := shipped(t)
	config, src := filepath.Join(repo, "bundle.yaml"), filepath.Join(repo, "rules", "src")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		output string // in stdout or stderr
		writes bool
	}{
		{"writes the bundle", []string{"--config.file", config, "--source.dir", src, "--log.level", "warn"}, 0, "", true},
		{"help", []string{"--help"}, 0, "--config.file", false},
		{"version", []string{"--version"}, 0, "gen, version", false},
		{"old flag", []string{"--rules.dir", "rules"}, 2, "unknown long flag '--rules.dir'", false},
		{"no templates there", []string{"--config.file", config, "--source.dir", t.TempDir()}, 1, "no rule templates", false},
		{"no names", []string{"--config.file", filepath.Join(t.TempDir(), "bundle.yaml"), "--source.dir", src}, 1, "read bundle names", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			var stdout, stderr bytes.Buffer
			code := run(append(tc.args, "--output.dir", out), &stdout, &stderr)
			if all := stdout.String() + stderr.String(); code != tc.code || !strings.Contains(all, tc.output) {
				t.Fatalf("exit %d, output %q; want %d and %q", code, all, tc.code, tc.output)
			}
			var written []string
			err := filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					written = append(written, path)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if !tc.writes {
				if len(written) > 0 {
					t.Errorf("wrote %v", written)
				}
				return
			}
			if len(written) != len(want) {
				t.Errorf("wrote %d files, want %d", len(written), len(want))
			}
			for name, b := range want {
				got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(name)))
				if err != nil || !bytes.Equal(got, b) {
					t.Errorf("%s: not what render gives (%v)", name, err)
				}
			}
		})
	}
}

// TestRenderNames renders with other names: every job selector, runbook
// link and dashboard carries them, and nothing is left of the defaults.
func TestRenderNames(t *testing.T) {
	config := filepath.Join(t.TempDir(), "bundle.yaml")
	const base = "http://wiki.example.internal/kos/runbooks?page=1"
	writeFile(t, config, "job: monitoring/kos-exporter\nrunbook_url_base: "+base+"\ndashboard_timezone: Asia/Seoul\n")
	files, err := render(config, filepath.Join(repo, "rules", "src"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(shipped(t)) {
		t.Errorf("%d files, want as many as shipped (%d)", len(files), len(shipped(t)))
	}
	for name, b := range files {
		s := string(b)
		for _, old := range []string{`job="kos_exporter"`, "job: kos_exporter", "github.com", `"timezone": "browser"`, "[[", "]]"} {
			if strings.Contains(s, old) {
				t.Errorf("%s still holds %s", name, old)
			}
		}
	}
	for name, want := range map[string][]string{
		"rules/alerts.yaml":              {`up{job="monitoring/kos-exporter"} == 0`, "runbook_url: " + base + "#kosexporterdown"},
		"rules/tests/exporter.test.yaml": {"job: monitoring/kos-exporter", "in job monitoring/kos-exporter:"},
		"dashboards/warroom.json":        {`"timezone": "Asia/Seoul"`, `"url": "` + base + `"`},
	} {
		for _, w := range want {
			if !strings.Contains(string(files[name]), w) {
				t.Errorf("%s lacks %s", name, w)
			}
		}
	}
}

func TestLoadNames(t *testing.T) {
	const good = "job: kos_exporter\nrunbook_url_base: https://example.org/runbooks.md\ndashboard_timezone: browser\n"
	for _, tc := range []struct {
		name, content, wantErr string
	}{
		{"shipped form", good, ""},
		{"Kubernetes names", "job: monitoring/kos-exporter\nrunbook_url_base: http://wiki.internal:8080/kos/runbooks\ndashboard_timezone: Asia/Seoul\n", ""},
		{"utc", strings.Replace(good, "browser", "utc", 1), ""},
		{"empty", "", "EOF"},
		{"unknown field", good + "timezone: utc\n", "field timezone not found"},
		{"all missing", "job: ''\n", "job is missing\nrunbook_url_base is missing\ndashboard_timezone is missing"},
		{"job with a quote", strings.Replace(good, "kos_exporter", `'kos"x'`, 1), "job \"kos\\\"x\""},
		{"job with a space", strings.Replace(good, "kos_exporter", "'kos x'", 1), `job "kos x"`},
		{"job read as a boolean", strings.Replace(good, "kos_exporter", "'yes'", 1), `job "yes"`},
		{"job read as a number", strings.Replace(good, "kos_exporter", "'1e3'", 1), `job "1e3"`},
		{"runbook fragment", strings.Replace(good, "runbooks.md", "runbooks.md#top", 1), "runbook_url_base"},
		{"runbook relative", strings.Replace(good, "https://example.org/", "", 1), "runbook_url_base"},
		{"runbook ftp", strings.Replace(good, "https://", "ftp://", 1), "runbook_url_base"},
		{"runbook Prometheus template", strings.Replace(good, "runbooks.md", "{{ $labels.job }}", 1), "runbook_url_base"},
		{"unknown time zone", strings.Replace(good, "browser", "Mars/Olympus", 1), `dashboard_timezone "Mars/Olympus"`},
		{"Local", strings.Replace(good, "browser", "Local", 1), `dashboard_timezone "Local"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bundle.yaml")
			writeFile(t, path, tc.content)
			_, err := loadNames(path)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("loadNames(%q) error %v, want %q", tc.content, err, tc.wantErr)
			}
		})
	}
	if _, err := loadNames(filepath.Join(t.TempDir(), "absent")); err == nil {
		t.Error("a missing file must fail")
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
