// Command notice writes NOTICE: the third-party modules linked into the
// shipped binaries, with their licences, read from the module cache. A test
// fails when NOTICE is not current.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/kos-ops/kos_exporter/internal/cli"
)

// binaries are the commands a release ships.
var binaries = []string{"./exporter/cmd/kos_exporter", "./report/cmd/kos_report", "./launchsim/cmd/kos_launchsim"}

func main() { cli.Main(run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := cli.New("notice", "Writes NOTICE from the modules linked into kos_exporter, kos_report and kos_launchsim.", stdout, stderr)
	out := app.Flag("output.file", "File to write; - for standard output.").Default("NOTICE").String()
	if code, done := app.Parse(args); done {
		return code
	}
	text, err := notice(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "notice:", err)
		return 1
	}
	if *out == "-" {
		io.WriteString(stdout, text)
		return 0
	}
	if err := os.WriteFile(*out, []byte(text), 0o644); err != nil {
		fmt.Fprintln(stderr, "notice:", err)
		return 1
	}
	return 0
}

// module is one third-party Go module linked into a binary.
type module struct{ path, version, dir string }

// notice lists the modules the binaries link (from go list) with the
// licence each one's own licence file names.
func notice(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}} {{.Dir}}{{end}}{{end}}"}, binaries...)...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	outb, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list: %w: %s", err, errb.String())
	}
	var mods []module
	for line := range strings.SplitSeq(string(outb), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 {
			mods = append(mods, module{f[0], f[1], f[2]})
		}
	}
	slices.SortFunc(mods, func(a, b module) int { return strings.Compare(a.path, b.path) })
	mods = slices.CompactFunc(mods, func(a, b module) bool { return a.path == b.path })

	var b strings.Builder
	b.WriteString(`kos_exporter
Copyright 2026 The kos_exporter Authors

This product is licensed under the Apache License, Version 2.0 (LICENSE).

The release binaries (kos_exporter, kos_report, kos_launchsim) are built
from this source and include the Go modules below, each under its own
licence, which is in the module's source at the version named. Written by
"go run ./tools/notice"; a test fails when it is not current.

`)
	for _, m := range mods {
		lic, err := licence(m.dir)
		if err != nil {
			return "", fmt.Errorf("%s: %w", m.path, err)
		}
		fmt.Fprintf(&b, "%s %s (%s)\n", m.path, m.version, lic)
	}
	roots, err := imageRootsVersion()
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, `
The container image (make image) also holds /etc/ssl/certs/ca-certificates.crt,
Mozilla's root certificates as published by the Go team in
%s %s (MPL-2.0).
`, rootsModule, roots)
	return b.String(), nil
}

const rootsModule = "golang.org/x/crypto/x509roots/fallback"

// imageRootsVersion is the version of rootsModule that tools/image pins.
func imageRootsVersion() (string, error) {
	data, err := os.ReadFile(filepath.Join("tools", "image", "go.mod"))
	if err != nil {
		return "", err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == rootsModule {
			return f[1], nil
		}
	}
	return "", fmt.Errorf("tools/image/go.mod does not require %s", rootsModule)
}

var licenceFile = regexp.MustCompile(`(?i)^(licen[cs]e|copying)(\.(txt|md))?$`)

// licence names the licence of the module in dir by its licence file.
func licence(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if !licenceFile.MatchString(e.Name()) {
			continue
		}
		text, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return "", err
		}
		return classify(string(text)), nil
	}
	return "", fmt.Errorf("no licence file in %s", dir)
}

// classify names a licence text by the phrases every copy of it has.
func classify(text string) string {
	has := func(s string) bool { return strings.Contains(text, s) }
	var ids []string
	switch {
	case has("Mozilla Public License"):
		ids = append(ids, "MPL-2.0")
	case has("Redistribution and use") && has("Neither the name"):
		ids = append(ids, "BSD-3-Clause")
	case has("Redistribution and use"):
		ids = append(ids, "BSD-2-Clause")
	case has("Permission is hereby granted"):
		ids = append(ids, "MIT")
	}
	if has("Apache License") && has("Version 2.0") {
		ids = append(ids, "Apache-2.0")
	}
	if len(ids) == 0 {
		return "see its licence file"
	}
	return strings.Join(ids, " AND ")
}
