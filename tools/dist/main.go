// Command dist builds the release (make dist): per architecture the archive
// kos_exporter-<version>.linux-<arch>.tar.gz and the deb and rpm (nfpm, as a
// library), then SHA256SUMS over them. What goes where is declared once, in
// layout.go.
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"
)

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

func run(args []string, stderr io.Writer) int {
	fl := flag.NewFlagSet("dist", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var o options
	var arches, formats string
	var mtime int64
	fl.StringVar(&o.root, "root", ".", "repository root")
	fl.StringVar(&o.version, "version", "", "version as built (git describe --tags --always --dirty)")
	fl.StringVar(&o.binDir, "bin-dir", "dist/bin", "directory holding linux-<arch>/kos_exporter and kos_report (make release-bins)")
	fl.StringVar(&o.outDir, "out-dir", "dist", "where the artefacts and SHA256SUMS are written")
	fl.StringVar(&arches, "arch", "amd64 arm64", "architectures, space or comma separated")
	fl.StringVar(&formats, "format", "tar.gz deb rpm", "formats, space or comma separated")
	fl.Int64Var(&mtime, "mtime", 0, "Unix time stamped on every file (e.g. the commit's); 0: now")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	o.arches, o.formats = list(arches), list(formats)
	if o.version == "" || fl.NArg() > 0 || len(o.arches) == 0 || len(o.formats) == 0 {
		fmt.Fprintln(stderr, "dist: --version, --arch and --format are needed, and no arguments")
		return 2
	}
	o.mtime = time.Unix(mtime, 0).UTC()
	if mtime == 0 {
		o.mtime = time.Now().UTC().Truncate(time.Second)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if _, err := build(o, log); err != nil {
		fmt.Fprintln(stderr, "dist:", err)
		return 1
	}
	return 0
}

func list(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
}
