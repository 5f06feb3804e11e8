package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "kos_exporter")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // substring
		stderr string // substring
	}{
		{"help", []string{"--help"}, 0, "--phase=10s", ""},
		{"version", []string{"--version"}, 0, "loadcheck, version", ""},
		{"unknown flag", []string{"--phases=1s"}, 2, "", "unknown long flag '--phases'"},
		{"bad duration", []string{"--phase=soon"}, 2, "", `invalid duration "soon"`},
		{"no exporter binary", []string{"--exporter", missing, "--series", "10", "--phase", "1ms"}, 1, "Database: ", "loadcheck: starting " + missing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tc.code, &stderr)
			}
			if !strings.Contains(stdout.String(), tc.stdout) {
				t.Errorf("stdout %q, want it to contain %q", &stdout, tc.stdout)
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q, want it to contain %q", &stderr, tc.stderr)
			}
		})
	}
}
