// Package ociimage defines the kos_exporter container image and builds it
// with go-containerregistry, without Docker: one reproducible layer on an
// empty base per platform, an OCI image index over the platforms, written as
// an OCI image layout, a tarball of it and a docker-archive per platform.
// The Dockerfile at the repository root describes the same image for those
// who build with Docker; a test keeps the two equal.
package ociimage

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The image's fixed values (the shared contract of issue 11).
const (
	Repository = "ghcr.io/kos-ops/kos_exporter"
	Source     = "https://github.com/kos-ops/kos_exporter"
	User       = "65534:65534"
	Port       = "9847/tcp"
	ConfigPath = "/etc/kos_exporter/collectors.yaml"
	// LiveConfigPath is the variant for order systems without daily
	// totals: --config.file=/etc/kos_exporter/collectors-live.yaml.
	LiveConfigPath = "/etc/kos_exporter/collectors-live.yaml"
	// CAPath is where Go's crypto/x509 looks first on Linux (the Debian
	// path distroless uses too).
	CAPath = "/etc/ssl/certs/ca-certificates.crt"
	// defaultPath is what Docker's builder sets on FROM scratch; set
	// explicitly so both builders write the same environment.
	defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)

// Meta is what changes from one build to the next.
type Meta struct {
	Version  string    // without a leading "v"
	Revision string    // full commit hash
	Created  time.Time // commit date (SOURCE_DATE_EPOCH), never the clock
}

// NewMeta checks a build's version, revision and SOURCE_DATE_EPOCH; a
// leading "v" of a git tag is dropped, as promu's release names do.
func NewMeta(version, revision string, sourceDateEpoch int64) (Meta, error) {
	version = strings.TrimPrefix(version, "v")
	if _, err := name.NewTag(Repository+":"+version, name.StrictValidation); err != nil {
		return Meta{}, fmt.Errorf("version %q is not an image tag: %w", version, err)
	}
	if revision == "" {
		return Meta{}, fmt.Errorf("revision is empty")
	}
	if sourceDateEpoch < 0 {
		return Meta{}, fmt.Errorf("SOURCE_DATE_EPOCH %d: want the commit time in Unix seconds", sourceDateEpoch)
	}
	return Meta{Version: version, Revision: revision, Created: time.Unix(sourceDateEpoch, 0).UTC()}, nil
}

// Ref is the image reference a build is tagged with.
func (m Meta) Ref() string { return Repository + ":" + m.Version }

// Platforms are the platforms the index holds, in index order.
func Platforms() []v1.Platform {
	return []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}}
}

// Labels are the image's OCI labels; the index carries them as annotations
// too, where registries read a multi-platform image's description.
func Labels(m Meta) map[string]string {
	const p = "org.opencontainers.image."
	return map[string]string{
		p + "title":       "kos_exporter",
		p + "description": "Prometheus exporter turning SQL collectors into metrics for a carrier's order and activation system (KOS), with the kos_report hourly table.",
		p + "source":      Source,
		p + "licenses":    "Apache-2.0",
		p + "version":     m.Version,
		p + "revision":    m.Revision,
		p + "created":     m.Created.UTC().Format(time.RFC3339),
	}
}

// Config is the run configuration of every platform's image.
func Config(m Meta) v1.Config {
	return v1.Config{
		User:         User,
		Entrypoint:   []string{"/bin/kos_exporter"},
		Cmd:          []string{"--config.file=" + ConfigPath},
		ExposedPorts: map[string]struct{}{Port: {}},
		Env:          []string{defaultPath},
		WorkingDir:   "/",
		Labels:       Labels(m),
	}
}

// Inputs are the files a build reads.
type Inputs struct {
	BinDir string // holds linux-<arch>/{kos_exporter,kos_report} (make release-bins)
	Repo   string // the repository: collectors.yaml and collectors-live.yaml (shipped unchanged), LICENSE, NOTICE
}

// Entry is one regular file of the image; directories are implied (0755,
// root).
type Entry struct {
	Path string // absolute path in the image
	Mode fs.FileMode
}

// File is an entry with its content.
type File struct {
	Entry
	Data []byte
}

// source reads one entry's content for a platform's architecture.
type source func(in Inputs, arch string) ([]byte, error)

type entry struct {
	Entry
	read source
}

func entries() []entry {
	binary := func(name string) entry {
		return entry{Entry{"/bin/" + name, 0o755}, func(in Inputs, arch string) ([]byte, error) {
			return os.ReadFile(filepath.Join(in.BinDir, "linux-"+arch, name))
		}}
	}
	constant := func(p, text string) entry {
		return entry{Entry{p, 0o644}, func(Inputs, string) ([]byte, error) { return []byte(text), nil }}
	}
	repoFile := func(p, name string) entry {
		return entry{Entry{p, 0o644}, func(in Inputs, _ string) ([]byte, error) { return os.ReadFile(filepath.Join(in.Repo, name)) }}
	}
	return []entry{
		binary("kos_exporter"),
		binary("kos_report"),
		repoFile(ConfigPath, "collectors.yaml"),
		repoFile(LiveConfigPath, "collectors-live.yaml"),
		constant("/etc/passwd", passwd),
		constant("/etc/group", group),
		{Entry{CAPath, 0o644}, func(Inputs, string) ([]byte, error) { return CABundle() }},
		// Apache-2.0 wants the licence and NOTICE handed on with the binaries.
		repoFile("/usr/share/doc/kos_exporter/LICENSE", "LICENSE"),
		repoFile("/usr/share/doc/kos_exporter/NOTICE", "NOTICE"),
	}
}

// Entries lists the image's regular files, the same for every platform.
func Entries() []Entry {
	var es []Entry
	for _, e := range entries() {
		es = append(es, e.Entry)
	}
	return es
}

// Files reads the image's files for one architecture.
func Files(in Inputs, arch string) ([]File, error) {
	var fs []File
	for _, e := range entries() {
		data, err := e.read(in, arch)
		if err != nil {
			return nil, fmt.Errorf("image file %s for %s: %w", e.Path, arch, err)
		}
		fs = append(fs, File{e.Entry, data})
	}
	return fs, nil
}
