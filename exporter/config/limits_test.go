package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/internal/safefile"
)

const minimalCollectors = "collectors:\n  - {name: a, sql: SELECT 1 AS n, metrics: [{name: kos_a_total, type: counter, help: H., value: n}]}\n"

// loadWithin runs Load and fails the test if it has not returned after a
// minute: a read that blocks would hang the test, and the reload loop with it.
func loadWithin(t *testing.T, path string, o Options) (*Config, error) {
	t.Helper()
	type result struct {
		cfg *Config
		err error
	}
	done := make(chan result, 1)
	go func() {
		cfg, err := LoadWith(path, o)
		done <- result{cfg, err}
	}()
	select {
	case r := <-done:
		return r.cfg, r.err
	case <-time.After(time.Minute):
		t.Fatalf("Load(%s) still blocked after a minute", path)
		return nil, nil
	}
}

// specialFiles returns paths that are not regular files, by kind.
func specialFiles(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, []byte(strings.Repeat("x", MaxConfigSize+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"/dev/zero":        "/dev/zero",
		"/dev/stdin":       "/dev/stdin",
		"named pipe":       fifo,
		"directory":        dir,
		"socket":           sock,
		"larger than caps": big,
	}
}

func TestSpecialFilesRefused(t *testing.T) {
	for kind, path := range specialFiles(t) {
		t.Run("config file is "+kind, func(t *testing.T) {
			_, err := loadWithin(t, path, Options{})
			if err == nil || !strings.HasPrefix(err.Error(), "read config: ") {
				t.Fatalf("err = %v, want a read config error", err)
			}
			if kind == "larger than caps" && !strings.Contains(err.Error(), "larger than the limit of 4 MiB") {
				t.Errorf("err = %v, want the 4 MiB cap named", err)
			}
		})
		t.Run("dsn_file is "+kind, func(t *testing.T) {
			cfgPath := filepath.Join(t.TempDir(), "collectors.yml")
			text := fmt.Sprintf("targets:\n  kos:\n    dsn_file: %s\n%s", path, minimalCollectors)
			if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := loadWithin(t, cfgPath, Options{})
			var errs Errors
			if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Pos.Line != 3 || !strings.HasPrefix(errs[0].Msg, "dsn_file: ") {
				t.Fatalf("err = %v, want one dsn_file error at line 3", err)
			}
			if kind == "larger than caps" && !strings.Contains(err.Error(), "larger than the limit of 64 KiB") {
				t.Errorf("err = %v, want the 64 KiB cap named", err)
			}
		})
	}
}

// aliasFlood is a small file whose aliases expand to keys × copies unknown
// keys, each a problem.
func aliasFlood(keys, copies int) string {
	names := make([]string, keys)
	for i := range names {
		names[i] = fmt.Sprintf("u%03d: 1", i)
	}
	return "k: &k {" + strings.Join(names, ", ") + "}\ntargets:\n  kos: {dsn: x}\ncollectors: [" +
		strings.TrimSuffix(strings.Repeat("*k, ", copies), ", ") + "]\n"
}

func TestErrorsAreCapped(t *testing.T) {
	// 300 × 300 stays under the node limit: every problem is counted.
	_, err := Parse([]byte(aliasFlood(300, 300)), "flood.yml")
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v, want Errors", err)
	}
	if len(errs) != MaxErrors+1 {
		t.Fatalf("%d entries, want %d and a summary", len(errs), MaxErrors)
	}
	// 1 unknown top-level key, then per collector 300 unknown keys and 3
	// missing ones.
	const total = 1 + 300*303
	if got := errs.Total(); got != total {
		t.Errorf("Total() = %d, want %d", got, total)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != MaxErrors+1 || lines[MaxErrors] != fmt.Sprintf("... and %d more problems", total-MaxErrors) {
		t.Errorf("%d lines, last %q", len(lines), lines[len(lines)-1])
	}
	if lines[0] != `flood.yml:1: unknown key "k"` || lines[1] != `flood.yml:1: collector #1: unknown key "u000"` {
		t.Errorf("first lines are not the first problems in discovery order:\n%s", strings.Join(lines[:3], "\n"))
	}

	// The 13 KB file of the issue: a million problems, over the node limit.
	data := aliasFlood(1000, 1000)
	if len(data) > 20<<10 {
		t.Fatalf("flood file is %d bytes, want a small one", len(data))
	}
	_, err = Parse([]byte(data), "flood.yml")
	if !errors.As(err, &errs) || len(errs) != MaxErrors+1 {
		t.Fatalf("%d entries, want %d and a summary", len(errs), MaxErrors)
	}
	if want := fmt.Sprintf("flood.yml:1: more than %d YAML nodes after expanding aliases", maxNodes); errs[0].Error() != want {
		t.Errorf("first problem %q, want %q", errs[0], want)
	}
	if len(err.Error()) > 10<<10 {
		t.Errorf("error text is %d bytes", len(err.Error()))
	}
}

func TestErrorCapKeepsEarliestLines(t *testing.T) {
	// Problems found late (validation) at early lines must displace ones
	// found early (decoding) at later lines.
	var b strings.Builder
	b.WriteString("global:\n  interval: 0s\n")                // line 2, found while building
	b.WriteString("targets:\n  kos: {dsn: x}\ncollectors:\n") // lines 3-5
	for i := range MaxErrors + 10 {                           // lines 6..
		fmt.Fprintf(&b, "  - {name: c%d, bogus: 1, sql: SELECT 1 AS n, metrics: [{name: kos_c%d_total, type: counter, help: H., value: n}]}\n", i, i)
	}
	_, err := Parse([]byte(b.String()), "late.yml")
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v", err)
	}
	if errs[0].Pos.Line != 2 || !strings.Contains(errs[0].Msg, "interval must be positive") {
		t.Errorf("first problem %q, want the interval at line 2", errs[0])
	}
	for i := 1; i < MaxErrors; i++ {
		if errs[i].Pos.Line != i+5 {
			t.Errorf("problem %d at line %d, want %d", i, errs[i].Pos.Line, i+5)
		}
	}
	if got, want := errs.Total(), MaxErrors+11; got != want {
		t.Errorf("Total() = %d, want %d", got, want)
	}
	if last := errs[len(errs)-1].Error(); last != "... and 11 more problems" {
		t.Errorf("last entry %q", last)
	}
}

func TestInvalidUTF8Position(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		want string
	}{
		{"line 11", strings.Repeat("# comment\n", 10) + "targets: {kos: {dsn: \"caf\xe9\"}}\n", "utf8.yml:11: invalid UTF-8: byte 0xe9 at column 26"},
		{"after multibyte runes", "# é ü\n# ßß\xff\n", "utf8.yml:2: invalid UTF-8: byte 0xff at column 5"},
		{"first byte", "\x80", "utf8.yml:1: invalid UTF-8: byte 0x80 at column 1"},
		{"truncated rune at the end", "a: b\nc: d\xc3", "utf8.yml:2: invalid UTF-8: byte 0xc3 at column 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.data), "utf8.yml")
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestCheckDSN(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "b.dsn"), []byte("file-dsn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "collectors.yml")
	text := "targets:\n  a:\n    dsn: env-${KOS_T}\n  b:\n    dsn_file: b.dsn\n  ok:\n    dsn: good\n" +
		"collectors:\n  - {name: c, target: ok, sql: SELECT 1 AS n, metrics: [{name: kos_a_total, type: counter, help: H., value: n}]}\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	var seen []string
	o := Options{CheckDSN: func(dsn Secret) error {
		seen = append(seen, string(dsn))
		if dsn == "good" {
			return nil
		}
		return errors.New("invalid dsn: something")
	}}
	env := func(name string) (string, bool) { return "x", name == "KOS_T" }
	_, err := load(path, o, env, safefile.ReadRegular)
	want := path + `:3: target "a": invalid dsn: something` + "\n" + path + `:5: target "b": invalid dsn: something`
	if err == nil || err.Error() != want {
		t.Errorf("err:\n%v\nwant:\n%s", err, want)
	}
	if strings.Join(seen, ",") != "env-x,file-dsn,good" {
		t.Errorf("CheckDSN saw %q, want the expanded and the read DSN", seen)
	}
}
