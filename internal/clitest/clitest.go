// Package clitest runs a command's run function (main without the process,
// see cli.Main) on table cases and checks exit code and output.
package clitest

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// Case is one command line and what it must produce.
type Case struct {
	Name   string
	Args   []string
	Code   int
	Stdout string // substring
	Stderr string // substring
}

// Run runs each case as a subtest; absent, when not
// empty, must appear in neither stdout nor stderr (a secret, say).
func Run(t *testing.T, run func(ctx context.Context, args []string, stdout, stderr io.Writer) int, absent string, cases []Case) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.Args, &stdout, &stderr)
			if code != tc.Code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tc.Code, &stderr)
			}
			if !strings.Contains(stdout.String(), tc.Stdout) {
				t.Errorf("stdout %q, want it to contain %q", &stdout, tc.Stdout)
			}
			if !strings.Contains(stderr.String(), tc.Stderr) {
				t.Errorf("stderr %q, want it to contain %q", &stderr, tc.Stderr)
			}
			if all := stdout.String() + stderr.String(); absent != "" && strings.Contains(all, absent) {
				t.Errorf("output shows %q: %q", absent, all)
			}
		})
	}
}
