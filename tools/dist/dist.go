package main

import (
	"bufio"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// options are what one run builds.
type options struct {
	root    string   // repository root
	binDir  string   // holds linux-<arch>/{kos_exporter,kos_report}
	outDir  string   // where the artefacts and SHA256SUMS go
	version string   // as built (git describe)
	arches  []string // Go architecture names
	formats []string // "tar.gz", "deb", "rpm"
	mtime   time.Time
}

// elfMachines are the architectures a release can hold, with the machine
// their binaries must be built for.
func elfMachines() map[string]elf.Machine {
	return map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
}

// build writes every artefact and SHA256SUMS over them into o.outDir and
// returns the artefacts' names.
func build(o options, log *slog.Logger) ([]string, error) {
	pkgVersion, err := packageVersion(o.version)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.outDir, 0o755); err != nil {
		return nil, err
	}
	staging, err := os.MkdirTemp("", "kos-dist-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(staging)

	var names []string
	for _, arch := range o.arches {
		release, err := releaseFiles(o.root, filepath.Join(o.binDir, "linux-"+arch))
		if err != nil {
			return nil, err
		}
		if err := checkBinaries(release, arch); err != nil {
			return nil, err
		}
		for _, format := range o.formats {
			start := time.Now()
			name, err := buildOne(o, staging, release, arch, format, pkgVersion)
			if err != nil {
				return nil, fmt.Errorf("linux/%s %s: %w", arch, format, err)
			}
			st, err := os.Stat(filepath.Join(o.outDir, name))
			if err != nil {
				return nil, err
			}
			log.Info("wrote", "file", filepath.Join(o.outDir, name), "MiB", fmt.Sprintf("%.1f", float64(st.Size())/(1<<20)), "took", time.Since(start).Round(time.Millisecond))
			names = append(names, name)
		}
	}
	if err := writeSums(o.outDir, names); err != nil {
		return nil, err
	}
	log.Info("wrote", "file", filepath.Join(o.outDir, sumsFile), "artefacts", len(names))
	return names, nil
}

// buildOne writes one artefact and returns its file name.
func buildOne(o options, staging string, release []file, arch, format, pkgVersion string) (string, error) {
	if format == "tar.gz" {
		top := fmt.Sprintf("%s-%s.linux-%s", archiveName, fileVersion(o.version), arch)
		name := top + ".tar.gz"
		return name, writeArchiveFile(filepath.Join(o.outDir, name), top, release, o.mtime)
	}
	p, ok := packagers()[format]
	if !ok {
		return "", fmt.Errorf("unknown format %q (tar.gz, deb, rpm)", format)
	}
	info, err := packageInfo(o.root, staging, release, arch, pkgVersion, o.mtime)
	if err != nil {
		return "", err
	}
	name := p.ConventionalFileName(info)
	out, err := os.Create(filepath.Join(o.outDir, name))
	if err != nil {
		return "", err
	}
	if err := p.Package(info, out); err != nil {
		out.Close()
		return "", err
	}
	return name, out.Close()
}

// checkBinaries fails unless every program of release is a Linux binary
// for arch: a mixed-up --bin-dir must not ship.
func checkBinaries(release []file, arch string) error {
	want, ok := elfMachines()[arch]
	if !ok {
		return fmt.Errorf("architecture %q: only amd64 and arm64 are released", arch)
	}
	for _, f := range release {
		if f.kind != program {
			continue
		}
		e, err := elf.Open(f.src)
		if err != nil {
			return fmt.Errorf("%w (make release-bins builds it)", err)
		}
		got := e.Machine
		e.Close()
		if got != want {
			return fmt.Errorf("%s is built for %s, not %s", f.src, got, arch)
		}
	}
	return nil
}

const sumsFile = "SHA256SUMS"

// writeSums writes SHA256SUMS for names in dir, in the format sha256sum -c
// reads.
func writeSums(dir string, names []string) error {
	names = slices.Sorted(slices.Values(names))
	out, err := os.Create(filepath.Join(dir, sumsFile))
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	for _, n := range names {
		sum, err := sha256File(filepath.Join(dir, n))
		if err != nil {
			out.Close()
			return err
		}
		fmt.Fprintf(w, "%s  %s\n", sum, n)
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func sha256File(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
