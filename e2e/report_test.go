//go:build e2e

package e2e

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// reportAgainstPrometheus runs kos_report against this stack's real
// Prometheus. The stack is minutes old, so the last full hour has no data,
// or only its last minutes when the run straddles hh:00: the report must
// read the recording rules over the API (exit 0; 3 would mean unreachable or
// rules not loaded) and mark the hour missing or partial, never print it as
// complete.
func reportAgainstPrometheus(t *testing.T, s *stack) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(filepath.Join(s.e.root, "bin", "kos_report"),
		"--prometheus.url", "http://"+s.promAddrs[0], "--hour", "last", "--tz", "UTC", "--format", "text", "--lang", "en")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kos_report: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	out := stdout.String()
	if !strings.Contains(out, "KOS hourly results") {
		t.Errorf("kos_report printed no table:\n%s", out)
	}
	if !strings.Contains(out, "MISSING: no data for this period") && !strings.Contains(out, "PARTIAL:") {
		t.Errorf("the last hour predates the stack but is not marked missing or partial:\n%s", out)
	}
	s.e.record(result{scenario: s.name, alert: "(kos_report)", receivers: "(none)", note: "last hour from the real Prometheus marked missing/partial, no zeros"})
}
