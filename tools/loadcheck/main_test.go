package main

import (
	"path/filepath"
	"testing"

	"github.com/kos-ops/kos_exporter/internal/clitest"
)

func TestRun(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "kos_exporter")
	clitest.Run(t, run, "", []clitest.Case{
		{Name: "help", Args: []string{"--help"}, Code: 0, Stdout: "--phase=10s"},
		{Name: "version", Args: []string{"--version"}, Code: 0, Stdout: "loadcheck, version"},
		{Name: "unknown flag", Args: []string{"--phases=1s"}, Code: 2, Stderr: "unknown long flag '--phases'"},
		{Name: "bad duration", Args: []string{"--phase=soon"}, Code: 2, Stderr: `invalid duration "soon"`},
		{Name: "no exporter binary", Args: []string{"--exporter", missing, "--series", "10", "--phase", "1ms"}, Code: 1, Stdout: "Database: ", Stderr: "loadcheck: starting " + missing},
	})
}
