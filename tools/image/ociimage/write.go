package ociimage

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Outputs are the files Write leaves in its directory.
type Outputs struct {
	Layout     string            // OCI image layout directory: crane push, skopeo copy oci:
	OCITar     string            // the layout as one tar: podman load, docker load (containerd image store)
	DockerTars map[string]string // architecture → docker-archive: docker load (any image store)
}

// OutputNames are the names Write gives its outputs for a version.
func OutputNames(dir, version string) Outputs {
	base := filepath.Join(dir, "kos_exporter-"+version)
	o := Outputs{Layout: base + ".oci", OCITar: base + ".oci.tar", DockerTars: map[string]string{}}
	for _, p := range Platforms() {
		o.DockerTars[p.Architecture] = base + "." + p.OS + "-" + p.Architecture + ".docker.tar"
	}
	return o
}

// Write writes the index into dir: as an OCI image layout whose index.json
// names it m.Ref() (io.containerd.image.name, read by containerd, Docker and
// podman; org.opencontainers.image.ref.name, the tag, read by skopeo), as a
// tarball of that layout, and as one docker-archive per platform for
// Docker's classic image store, which loads only docker-archives. Outputs
// are staged and renamed into place, so a failed build leaves none
// half-written.
func Write(dir string, m Meta, idx v1.ImageIndex) (Outputs, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Outputs{}, fmt.Errorf("output directory: %w", err)
	}
	stage, err := os.MkdirTemp(dir, ".image-")
	if err != nil {
		return Outputs{}, fmt.Errorf("staging directory: %w", err)
	}
	defer os.RemoveAll(stage)
	staged := OutputNames(stage, m.Version)

	lp, err := layout.Write(staged.Layout, empty.Index)
	if err != nil {
		return Outputs{}, fmt.Errorf("OCI layout: %w", err)
	}
	tag, err := name.NewTag(m.Ref(), name.StrictValidation)
	if err != nil {
		return Outputs{}, fmt.Errorf("image reference: %w", err)
	}
	if err := lp.AppendIndex(idx, layout.WithAnnotations(map[string]string{
		"io.containerd.image.name":          tag.String(),
		"org.opencontainers.image.ref.name": tag.TagStr(),
	})); err != nil {
		return Outputs{}, fmt.Errorf("OCI layout: %w", err)
	}
	if err := readableModes(staged.Layout); err != nil {
		return Outputs{}, err
	}
	if err := tarDir(staged.Layout, staged.OCITar, m.Created); err != nil {
		return Outputs{}, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return Outputs{}, fmt.Errorf("index manifest: %w", err)
	}
	for _, d := range im.Manifests {
		img, err := idx.Image(d.Digest)
		if err != nil {
			return Outputs{}, fmt.Errorf("%s image: %w", d.Platform, err)
		}
		path, ok := staged.DockerTars[d.Platform.Architecture]
		if !ok {
			return Outputs{}, fmt.Errorf("index holds %s, which is not one of the platforms", d.Platform)
		}
		if err := tarball.WriteToFile(path, tag, img); err != nil {
			return Outputs{}, fmt.Errorf("docker-archive for %s: %w", d.Platform, err)
		}
	}

	out := OutputNames(dir, m.Version)
	moves := map[string]string{staged.Layout: out.Layout, staged.OCITar: out.OCITar}
	for arch, p := range staged.DockerTars {
		moves[p] = out.DockerTars[arch]
	}
	for from, to := range moves {
		if err := os.RemoveAll(to); err != nil {
			return Outputs{}, fmt.Errorf("replacing %s: %w", to, err)
		}
		if err := os.Rename(from, to); err != nil {
			return Outputs{}, fmt.Errorf("moving %s into place: %w", to, err)
		}
	}
	return out, nil
}

// readableModes sets 0644 on the layout's files and 0755 on its
// directories: ggcr writes index.json executable and blobs owner-only.
func readableModes(dir string) error {
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if d.IsDir() {
			mode = 0o755
		}
		return os.Chmod(p, mode)
	})
	if err != nil {
		return fmt.Errorf("OCI layout modes: %w", err)
	}
	return nil
}

// tarDir writes dir as a reproducible tar: names relative to dir, in
// lexical order, owner 0:0, every mtime the given time.
func tarDir(dir, file string, mtime time.Time) (err error) {
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("layout tarball: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("layout tarball: %w", cerr)
		}
	}()
	tw := tar.NewWriter(f)
	// WalkDir visits in lexical order.
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		h := &tar.Header{Name: filepath.ToSlash(rel), ModTime: mtime, Format: tar.FormatUSTAR, Typeflag: tar.TypeDir, Mode: 0o755}
		if d.IsDir() {
			h.Name += "/"
			return tw.WriteHeader(h)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		h.Typeflag, h.Mode, h.Size = tar.TypeReg, 0o644, info.Size()
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(tw, src)
		return err
	})
	if err != nil {
		return fmt.Errorf("layout tarball %s: %w", file, err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("layout tarball %s: %w", file, err)
	}
	return nil
}

// WriteRootfs writes one architecture's files under dir at their image
// paths: the Dockerfile's build stage copies them from there.
func WriteRootfs(dir string, files []File) error {
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("rootfs: %w", err)
		}
		if err := os.WriteFile(p, f.Data, f.Mode); err != nil {
			return fmt.Errorf("rootfs: %w", err)
		}
		// WriteFile's mode is masked by the umask; set it exactly.
		if err := os.Chmod(p, f.Mode); err != nil {
			return fmt.Errorf("rootfs: %w", err)
		}
	}
	return nil
}
