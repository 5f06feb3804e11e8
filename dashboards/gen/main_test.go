package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const repo = "../.."

// TestCommittedJSONIsCurrent fails when dashboards/*.json differ from what
// the generator writes now (a changed definition, alert or threshold), or
// when a JSON file there is not generated.
func TestCommittedJSONIsCurrent(t *testing.T) {
	files, err := render(filepath.Join(repo, "rules"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		t.Run(name, func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join(repo, "dashboards", name))
			if err != nil {
				t.Fatalf("%v; run: go run ./dashboards/gen", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("dashboards/%s is out of date; run: go run ./dashboards/gen", name)
			}
		})
	}
	committed, err := filepath.Glob(filepath.Join(repo, "dashboards", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range committed {
		if _, ok := files[filepath.Base(p)]; !ok {
			t.Errorf("%s is not generated; delete it or add it to boards", p)
		}
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

// TestRun: the command writes what render gives into --output.dir, and
// takes the flags every kos command takes.
func TestRun(t *testing.T) {
	want, err := render(filepath.Join(repo, "rules"))
	if err != nil {
		t.Fatal(err)
	}
	rules := filepath.Join(repo, "rules")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		output string // in stdout or stderr
		writes bool
	}{
		{"writes the dashboards", []string{"--rules.dir", rules, "--log.level", "warn"}, 0, "", true},
		{"help", []string{"--help"}, 0, "--output.dir", false},
		{"version", []string{"--version"}, 0, "gen, version", false},
		{"old flag", []string{"--repo", "."}, 2, "unknown long flag '--repo'", false},
		{"no rules there", []string{"--rules.dir", t.TempDir()}, 1, "render dashboards", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			var stdout, stderr bytes.Buffer
			code := run(append(tc.args, "--output.dir", out), &stdout, &stderr)
			if all := stdout.String() + stderr.String(); code != tc.code || !strings.Contains(all, tc.output) {
				t.Fatalf("exit %d, output %q; want %d and %q", code, all, tc.code, tc.output)
			}
			written, _ := filepath.Glob(filepath.Join(out, "*.json"))
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
				got, err := os.ReadFile(filepath.Join(out, name))
				if err != nil || !bytes.Equal(got, b) {
					t.Errorf("%s: not what render gives (%v)", name, err)
				}
			}
		})
	}
}

func TestReadRunbooksURL(t *testing.T) {
	const base = "https://example.org/kos/docs/runbooks.md"
	for _, tc := range []struct {
		name, content, want string
	}{
		{"one line", base + "\n", base},
		{"no newline", base, base},
		{"plain http", "http://example.org/runbooks.md\n", ""},
		{"fragment", base + "#\n", ""},
		{"two lines", base + "\n" + base + "\n", ""},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "runbooks.url")
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := readRunbooksURL(path)
			if got != tc.want || (err == nil) != (tc.want != "") {
				t.Errorf("readRunbooksURL(%q) = %q, %v; want %q", tc.content, got, err, tc.want)
			}
		})
	}
	if _, err := readRunbooksURL(filepath.Join(t.TempDir(), "absent")); err == nil {
		t.Error("a missing file must fail")
	}
}
