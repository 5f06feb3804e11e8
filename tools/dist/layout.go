package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
)

// The release, declared once: every file of the archive and of the deb and
// rpm, where it comes from and where it goes. The builders only follow it.

const (
	archiveName = "kos_exporter" // archive names and its top directory
	// packageName names the deb and rpm: Debian package names allow no "_".
	packageName = "kos-exporter"
	// Where the binaries live, rendered into the units' ExecStart.
	packageBinDir = "/usr/bin"
	archiveBinDir = "/usr/local/bin" // the archive's Install instructions put them there
	// systemd reads both /lib/systemd/system and /usr/lib/systemd/system;
	// Debian 13's debhelper installs into /usr/lib, and Debian 12 is
	// merged-/usr, so one path for both formats, never to be moved.
	unitDir = "/usr/lib/systemd/system"
	docDir  = "/usr/share/doc/" + packageName
)

// kind says how a file is shipped.
type kind int

const (
	data    kind = iota // an ordinary file, 0644
	program             // a binary from --bin-dir, 0755
	config              // 0644; in the packages a config file an upgrade keeps
	unit                // a systemd unit: a text/template rendered with BinDir
	dir                 // a directory the packages own (removed with them when empty)
)

// entry is one file, or every file below a directory or matching a glob.
type entry struct {
	src     string // repository path (for programs: below --bin-dir/linux-<arch>)
	archive string // path below the archive's top directory ("" = not in it)
	pkg     string // absolute path in the deb and rpm ("" = not in them)
	kind    kind
}

// layout is the release. A directory or glob src maps to directories: each
// file keeps its path below the directory (or the glob's directory).
func layout() []entry {
	return []entry{
		{src: "kos_exporter", archive: "kos_exporter", pkg: packageBinDir + "/kos_exporter", kind: program},
		{src: "kos_report", archive: "kos_report", pkg: packageBinDir + "/kos_report", kind: program},
		{src: "collectors.yaml", archive: "collectors.yaml", pkg: "/etc/kos_exporter/collectors.yaml", kind: config},
		// For order systems without daily totals: --config.file in ARGS.
		{src: "collectors-live.yaml", archive: "collectors-live.yaml", pkg: "/etc/kos_exporter/collectors-live.yaml", kind: config},
		{src: "packaging/default/kos_exporter", archive: "systemd/kos_exporter.default", pkg: "/etc/default/kos_exporter", kind: config},
		{src: "packaging/default/kos_report", archive: "systemd/kos_report.default", pkg: "/etc/default/kos_report", kind: config},
		{src: "packaging/systemd/kos_exporter.service", archive: "systemd/kos_exporter.service", pkg: unitDir + "/kos_exporter.service", kind: unit},
		{src: "packaging/systemd/kos_report.service", archive: "systemd/kos_report.service", pkg: unitDir + "/kos_report.service", kind: unit},
		{src: "LICENSE", archive: "LICENSE", pkg: docDir + "/LICENSE"},
		{src: "NOTICE", archive: "NOTICE", pkg: docDir + "/NOTICE"},
		{src: "README.md", archive: "README.md", pkg: docDir + "/README.md"},
		{src: "CHANGELOG.md", archive: "CHANGELOG.md", pkg: docDir + "/CHANGELOG.md"},
		// Not rules/src: the generator that renders it is not in the release.
		{src: "rules/*.yaml", archive: "rules"},
		{src: "rules/tests", archive: "rules/tests"},
		{src: "rules/templates", archive: "rules/templates"},
		{src: "dashboards/*.json", archive: "dashboards"},
		{src: "dashboards/provisioning", archive: "dashboards/provisioning"},
		{src: "examples", archive: "examples"},
		{pkg: "/etc/kos_exporter", kind: dir},
		{pkg: docDir, kind: dir},
	}
}

// Maintainer scripts (packaging/scripts/*.sh say why each exists).
const (
	postInstall = "packaging/scripts/postinstall.sh"
	preRemove   = "packaging/scripts/preremove.sh"
	postRemove  = "packaging/scripts/postremove.sh"
)

// file is one concrete file of the release.
type file struct {
	src     string // absolute path to read
	archive string
	pkg     string
	kind    kind
}

func (f file) mode() fs.FileMode {
	if f.kind == program || f.kind == dir {
		return 0o755
	}
	return 0o644
}

// body is the file's content where the binaries live in binDir.
func (f file) body(binDir string) ([]byte, error) {
	b, err := os.ReadFile(f.src)
	if err != nil || f.kind != unit {
		return b, err
	}
	t, err := template.New(filepath.Base(f.src)).Option("missingkey=error").Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("unit template: %w", err)
	}
	var out bytes.Buffer
	if err := t.Execute(&out, struct{ BinDir string }{binDir}); err != nil {
		return nil, fmt.Errorf("unit template: %w", err)
	}
	return out.Bytes(), nil
}

// releaseFiles resolves the layout against the repository root and the directory
// holding one architecture's binaries, in a stable order.
func releaseFiles(root, binDir string) ([]file, error) {
	var out []file
	for _, e := range layout() {
		switch e.kind {
		case dir:
			out = append(out, file{pkg: e.pkg, kind: e.kind})
			continue
		case program:
			out = append(out, file{src: filepath.Join(binDir, e.src), archive: e.archive, pkg: e.pkg, kind: e.kind})
			continue
		}
		srcs, base, err := expand(root, e.src)
		if err != nil {
			return nil, err
		}
		for _, s := range srcs {
			f := file{src: s, archive: e.archive, pkg: e.pkg, kind: e.kind}
			if base != "" {
				rel, err := filepath.Rel(base, s)
				if err != nil {
					return nil, fmt.Errorf("layout %s: %w", e.src, err)
				}
				f.archive = joinIf(e.archive, filepath.ToSlash(rel))
				f.pkg = joinIf(e.pkg, filepath.ToSlash(rel))
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// expand returns the files src names below root and, when src names
// several (a directory or a glob), the directory their paths are kept
// relative to.
func expand(root, src string) (paths []string, base string, err error) {
	full := filepath.Join(root, src)
	if strings.ContainsAny(src, "*?[") {
		paths, err = filepath.Glob(full)
		if err == nil && len(paths) == 0 {
			err = fs.ErrNotExist
		}
		if err != nil {
			return nil, "", fmt.Errorf("layout %s: %w", src, err)
		}
		return paths, filepath.Dir(full), nil
	}
	st, err := os.Stat(full)
	if err != nil {
		return nil, "", fmt.Errorf("layout: %w", err)
	}
	if !st.IsDir() {
		return []string{full}, "", nil
	}
	err = filepath.WalkDir(full, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("layout %s: %w", src, err)
	}
	slices.Sort(paths)
	return paths, full, nil
}

func joinIf(dir, rel string) string {
	if dir == "" {
		return ""
	}
	return path.Join(dir, rel)
}
