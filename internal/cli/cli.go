// Package cli is the command-line front the kos commands share: kingpin
// flags in the style of the official exporters, promslog's --log.level and
// --log.format, --version, and help and errors written where the caller says
// (so commands can be run and tested as functions).
package cli

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"
)

// ExitUsage is the exit code after bad flags.
const ExitUsage = 2

// App is a kingpin application with the shared flags.
type App struct {
	*kingpin.Application
	name   string
	log    *promslog.Config
	stderr io.Writer
	exited int // set by --help or --version
}

// New returns an application whose help goes to stdout, errors and logs to
// stderr.
func New(name, help string, stdout, stderr io.Writer) *App {
	a := &App{Application: kingpin.New(name, help), name: name, log: &promslog.Config{Writer: stderr}, stderr: stderr, exited: -1}
	promslogflag.AddFlags(a.Application, a.log)
	a.Version(version.Print(name))
	a.HelpFlag.Short('h')
	a.UsageWriter(stdout)
	a.ErrorWriter(stderr)
	a.Terminate(func(code int) { a.exited = code })
	return a
}

// Parse parses args. When done is true the command must exit with code:
// ExitUsage after bad flags (the reason written to stderr), 0 after --help
// or --version.
func (a *App) Parse(args []string) (code int, done bool) {
	if _, err := a.Application.Parse(args); err != nil {
		fmt.Fprintf(a.stderr, "%s: %v (see --help)\n", a.name, err)
		return ExitUsage, true
	}
	if a.exited >= 0 {
		return a.exited, true
	}
	return 0, false
}

// Logger is the logger the --log flags asked for.
func (a *App) Logger() *slog.Logger { return promslog.New(a.log) }
