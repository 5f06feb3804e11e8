package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// parseUnit maps "Section.Key" to the key's values, in order.
func parseUnit(b []byte) map[string][]string {
	out := map[string][]string{}
	section := ""
	s := bufio.NewScanner(bytes.NewReader(b))
	for s.Scan() {
		l := strings.TrimSpace(s.Text())
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "["):
			section = strings.Trim(l, "[]")
		default:
			k, v, _ := strings.Cut(l, "=")
			out[section+"."+k] = append(out[section+"."+k], v)
		}
	}
	return out
}

// hardening is what both services must set (only what the binaries
// tolerate: the test below runs them).
func hardening() map[string][]string {
	return map[string][]string{
		"Service.DynamicUser":             {"yes"},
		"Service.NoNewPrivileges":         {"yes"},
		"Service.CapabilityBoundingSet":   {""},
		"Service.AmbientCapabilities":     {""},
		"Service.ProtectSystem":           {"strict"},
		"Service.ProtectHome":             {"yes"},
		"Service.PrivateTmp":              {"yes"},
		"Service.PrivateDevices":          {"yes"},
		"Service.ProtectKernelTunables":   {"yes"},
		"Service.ProtectKernelModules":    {"yes"},
		"Service.ProtectKernelLogs":       {"yes"},
		"Service.ProtectControlGroups":    {"yes"},
		"Service.RestrictAddressFamilies": {"AF_INET AF_INET6 AF_UNIX"},
		"Service.RestrictNamespaces":      {"yes"},
		"Service.LockPersonality":         {"yes"},
		"Service.MemoryDenyWriteExecute":  {"yes"},
		"Service.SystemCallFilter":        {"@system-service", "~@privileged"},
		"Service.Restart":                 {"on-failure"},
		"Install.WantedBy":                {"multi-user.target"},
	}
}

func (r *release) testUnits(t *testing.T) {
	for _, tc := range []struct {
		unit string
		want map[string][]string
	}{
		{"kos_exporter.service", map[string][]string{
			"Service.ExecStart":       {"/usr/bin/kos_exporter --config.file=${CONFIG_FILE} $ARGS"},
			"Service.ExecReload":      {"/bin/kill -HUP $MAINPID"},
			"Service.EnvironmentFile": {"-/etc/default/kos_exporter"},
			"Service.LoadCredential":  {"dsn:/etc/kos_exporter/dsn"},
			"Service.Environment":     {"CONFIG_FILE=/etc/kos_exporter/collectors.yaml", "KOS_DSN_FILE=%d/dsn"},
		}},
		{"kos_report.service", map[string][]string{
			"Service.ExecStart":       {"/usr/bin/kos_report --every=1h --webhook.url-file=%d/webhook_url --state.file=%S/kos_report/state.json $ARGS"},
			"Service.ExecReload":      nil, // kos_report does not reload; SIGHUP would end it
			"Service.EnvironmentFile": {"-/etc/default/kos_report"},
			"Service.LoadCredential":  {"webhook_url:/etc/kos_exporter/webhook_url"},
			"Service.StateDirectory":  {"kos_report"},
		}},
	} {
		t.Run(tc.unit, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(r.debRoot, unitDir, tc.unit))
			if err != nil {
				t.Fatal(err)
			}
			got := parseUnit(b)
			want := hardening()
			for k, v := range tc.want {
				want[k] = v
			}
			for k, v := range want {
				if !slices.Equal(got[k], v) {
					t.Errorf("%s: %q, want %q", k, got[k], v)
				}
			}
		})
	}
	t.Run("systemd-analyze", r.testSystemdAnalyze)
}

// exposure is systemd-analyze security's summary line.
var exposure = regexp.MustCompile(`Overall exposure level for \S+: .*`)

// testSystemdAnalyze lets systemd check the units where it is installed:
// verify (syntax, specifiers, the executable) on copies whose ExecStart
// points into the extracted deb, and the security exposure at most 2.0
// ("OK"), without a running systemd.
func (r *release) testSystemdAnalyze(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze not found: the unit files were not verified by systemd")
	}
	dir := t.TempDir()
	var units []string
	for _, u := range []string{"kos_exporter.service", "kos_report.service"} {
		b, err := os.ReadFile(filepath.Join(r.debRoot, unitDir, u))
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.ReplaceAll(b, []byte("ExecStart=/usr/bin/"), []byte("ExecStart="+r.debRoot+"/usr/bin/"))
		p := filepath.Join(dir, u)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		units = append(units, p)
	}
	// verify reports unknown keys and bad values on stderr with exit 0.
	out, err := exec.Command("systemd-analyze", append([]string{"verify", "--man=no"}, units...)...).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	for _, u := range units {
		out, err := exec.Command("systemd-analyze", "security", "--offline=true", "--threshold=20", "--no-pager", u).CombinedOutput()
		if err != nil {
			t.Errorf("systemd-analyze security %s: %v (exposure above 2.0)\n%s", filepath.Base(u), err, out)
		}
		t.Log(exposure.FindString(string(out)))
	}
}
