// Command image builds the kos_exporter container image without Docker
// (`make image`): an OCI image index for linux/amd64 and linux/arm64 from
// the static binaries of `make release-bins`, written to --out as an OCI
// image layout, a tarball of it and a docker-archive per platform. With
// --rootfs it only writes one platform's files, for the Dockerfile.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/kos-ops/kos_exporter/tools/image/ociimage"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("image", flag.ContinueOnError)
	fl.SetOutput(stderr)
	version := fl.String("version", "", "version (git describe; a leading v is dropped)")
	revision := fl.String("revision", "", "commit hash")
	epoch := fl.Int64("source-date-epoch", -1, "commit time in Unix seconds: the created label and every file time")
	in := ociimage.Inputs{}
	fl.StringVar(&in.BinDir, "bin-dir", "dist/bin", "directory with linux-<arch>/{kos_exporter,kos_report}")
	fl.StringVar(&in.Repo, "repo", ".", "repository root: collectors.yaml, LICENSE and NOTICE to ship")
	out := fl.String("out", "dist", "output directory")
	rootfs := fl.String("rootfs", "", "only write the files of --arch under this directory (the Dockerfile's build stage)")
	arch := fl.String("arch", "", "with --rootfs: amd64 or arm64")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "image: unexpected arguments %q\n", fl.Args())
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	var err error
	if *rootfs != "" {
		err = writeRootfs(*rootfs, *arch, in)
	} else {
		err = build(log, stdout, in, *out, *version, *revision, *epoch)
	}
	if err != nil {
		fmt.Fprintln(stderr, "image:", err)
		return 1
	}
	return 0
}

func writeRootfs(dir, arch string, in ociimage.Inputs) error {
	for _, p := range ociimage.Platforms() {
		if p.Architecture == arch {
			files, err := ociimage.Files(in, arch)
			if err != nil {
				return err
			}
			return ociimage.WriteRootfs(dir, files)
		}
	}
	return fmt.Errorf("--arch %q: want one of the image's platforms", arch)
}

func build(log *slog.Logger, stdout io.Writer, in ociimage.Inputs, out, version, revision string, epoch int64) error {
	m, err := ociimage.NewMeta(version, revision, epoch)
	if err != nil {
		return err
	}
	start := time.Now()
	log.Info("building the image index: one layer per platform, gzip (about 10 s on 2 idle cores)", "ref", m.Ref(), "platforms", len(ociimage.Platforms()))
	idx, err := ociimage.Index(m, in)
	if err != nil {
		return err
	}
	log.Info("writing the OCI layout, its tarball and the docker-archives (a few seconds)", "dir", out)
	o, err := ociimage.Write(out, m, idx)
	if err != nil {
		return err
	}
	return summary(stdout, idx, o, time.Since(start))
}

// summary prints what was written: the digest to push and check, and the
// compressed layer size of each platform.
func summary(w io.Writer, idx v1.ImageIndex, o ociimage.Outputs, took time.Duration) error {
	d, err := idx.Digest()
	if err != nil {
		return fmt.Errorf("index digest: %w", err)
	}
	fmt.Fprintf(w, "index %s (%.1f s)\n", d, took.Seconds())
	im, err := idx.IndexManifest()
	if err != nil {
		return fmt.Errorf("index manifest: %w", err)
	}
	for _, desc := range im.Manifests {
		img, err := idx.Image(desc.Digest)
		if err != nil {
			return fmt.Errorf("%s image: %w", desc.Platform, err)
		}
		m, err := img.Manifest()
		if err != nil {
			return fmt.Errorf("%s manifest: %w", desc.Platform, err)
		}
		var size int64
		for _, l := range m.Layers {
			size += l.Size
		}
		fmt.Fprintf(w, "  %s %s layers %.1f MiB compressed\n", desc.Platform, desc.Digest, float64(size)/(1<<20))
	}
	fmt.Fprintf(w, "%s\n%s\n", o.Layout, o.OCITar)
	for _, p := range ociimage.Platforms() {
		fmt.Fprintln(w, o.DockerTars[p.Architecture])
	}
	return nil
}
