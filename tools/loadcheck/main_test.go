package main

import (
	"path/filepath"
	"strings"
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

func TestSQLExporterConfig(t *testing.T) {
	for _, c := range []struct{ dsn, want, err string }{
		{dsn: "root@tcp(127.0.0.1:3306)/kos_loadcheck_1", want: `data_source_name: "mysql://root:@127.0.0.1:3306/kos_loadcheck_1"`},
		{dsn: "u:p@ss/w#rd@tcp(db:3306)/x", want: `data_source_name: "mysql://u:p%40ss%2Fw%23rd@db:3306/x"`},
		{dsn: "no slash", err: "sql_exporter: invalid DSN"},
	} {
		got, err := sqlExporterConfig(c.dsn)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want %q", c.dsn, err, c.err)
		case c.err == "" && (err != nil || !strings.Contains(got, c.want)):
			t.Errorf("%q: %v\n%s\nwant it to hold %s", c.dsn, err, got, c.want)
		}
	}
}
