package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // substring
		stderr string // substring
	}{
		{"version", []string{"--version"}, 0, "kos_launchsim, version", ""},
		{"unknown flag", []string{"--no-such-flag"}, 2, "", "unknown long flag"},
		{"bad speed", []string{"--speed", "0", "--admin.listen", ""}, 1, "", "must be positive"},
		{"bad incident", []string{"--incident", "no_such_incident", "--admin.listen", ""}, 1, "", "--incident"},
		{"bad dsn", []string{"--mysql.dsn", "kos:Xq7SENTINEL/pw@tcp(127.0.0.1:3306/kos", "--admin.listen", ""}, 1, "", "--mysql.dsn: not a valid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tc.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.stdout) {
				t.Errorf("stdout %q lacks %q", stdout.String(), tc.stdout)
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.stderr)
			}
			if all := stdout.String() + stderr.String(); strings.Contains(all, "SENTINEL") {
				t.Errorf("output shows the DSN's password: %q", all)
			}
		})
	}
}
