package main

import (
	"testing"

	"github.com/kos-ops/kos_exporter/internal/clitest"
)

func TestRunExitCodes(t *testing.T) {
	clitest.Run(t, run, "SENTINEL", []clitest.Case{
		{Name: "version", Args: []string{"--version"}, Code: 0, Stdout: "kos_launchsim, version"},
		{Name: "unknown flag", Args: []string{"--no-such-flag"}, Code: 2, Stderr: "unknown long flag"},
		{Name: "bad speed", Args: []string{"--speed", "0", "--admin.listen", ""}, Code: 1, Stderr: "--speed must be positive"},
		{Name: "missing plan", Args: []string{"--plan", "no/such/plan.yaml", "--admin.listen", ""}, Code: 1, Stderr: "--plan: launch plan:"},
		{Name: "bad start", Args: []string{"--start", "8am", "--admin.listen", ""}, Code: 1, Stderr: `--start: start "8am": want HH:MM`},
		{Name: "bad incident", Args: []string{"--incident", "no_such_incident", "--admin.listen", ""}, Code: 1, Stderr: "--incident"},
		{Name: "history without a database", Args: []string{"--history-days", "3", "--admin.listen", ""}, Code: 1, Stderr: "--history-days needs --mysql.dsn"},
		{Name: "negative history", Args: []string{"--history-days=-1", "--mysql.dsn", "root@tcp(127.0.0.1:1)/kos", "--admin.listen", ""}, Code: 1, Stderr: "--history-days not negative"},
		{Name: "bad dsn", Args: []string{"--mysql.dsn", "kos:Xq7SENTINEL/pw@tcp(127.0.0.1:3306/kos", "--admin.listen", ""}, Code: 1, Stderr: "--mysql.dsn: not a valid"},
	})
}
