package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMaintainerScripts runs each maintainer script as dpkg and rpm call
// it, with a stand-in systemctl that records its arguments, on a machine
// booted with systemd and on one without (a container, an image build).
func TestMaintainerScripts(t *testing.T) {
	const (
		reload  = "daemon-reload"
		restart = "try-restart kos_exporter.service kos_report.service"
		disable = "--no-reload disable --now kos_exporter.service kos_report.service"
	)
	for _, tc := range []struct {
		name, script string
		args         []string
		want         []string // systemctl calls under systemd
	}{
		{"deb install", postInstall, []string{"configure", ""}, []string{reload}},
		{"deb install, no version argument", postInstall, []string{"configure"}, []string{reload}},
		{"deb upgrade", postInstall, []string{"configure", "1.2.3"}, []string{reload, restart}},
		{"deb abort-upgrade", postInstall, []string{"abort-upgrade", "1.2.4"}, []string{reload}},
		{"rpm install", postInstall, []string{"1"}, []string{reload}},
		{"rpm upgrade", postInstall, []string{"2"}, []string{reload, restart}},
		{"deb remove", preRemove, []string{"remove"}, []string{disable}},
		{"deb upgrade, old prerm", preRemove, []string{"upgrade", "1.2.4"}, nil},
		{"rpm erase", preRemove, []string{"0"}, []string{disable}},
		{"rpm upgrade, old preun", preRemove, []string{"1"}, nil},
		{"deb purge", postRemove, []string{"purge"}, []string{reload}},
		{"rpm erase, postun", postRemove, []string{"0"}, []string{reload}},
	} {
		for _, booted := range []bool{true, false} {
			name := tc.name
			if !booted {
				name += " without systemd"
			}
			t.Run(name, func(t *testing.T) {
				want := tc.want
				if !booted {
					want = nil
				}
				if got := runScript(t, tc.script, booted, tc.args...); !slices.Equal(got, want) {
					t.Errorf("%s %q called systemctl %q, want %q", filepath.Base(tc.script), tc.args, got, want)
				}
			})
		}
	}
}

// runScript runs a script from packaging/scripts with /run/systemd/system
// moved into a temporary directory (present when booted) and systemctl
// replaced by a recorder, and returns systemctl's calls.
func runScript(t *testing.T, script string, booted bool, args ...string) []string {
	t.Helper()
	dir := t.TempDir()
	runDir := filepath.Join(dir, "run-systemd-system")
	if booted {
		if err := os.Mkdir(runDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join("../..", script))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "/run/systemd/system") {
		t.Fatalf("%s does not check for /run/systemd/system", script)
	}
	body := strings.ReplaceAll(string(b), "/run/systemd/system", runDir)
	calls := filepath.Join(dir, "calls")
	recorder := "#!/bin/sh\necho \"$*\" >> " + calls + "\n"
	if err := os.WriteFile(filepath.Join(dir, "systemctl"), []byte(recorder), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", append([]string{"-c", body, "script"}, args...)...)
	cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %q: %v\n%s", script, args, err, out)
	}
	out, err := os.ReadFile(calls)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return lines(out)
}
