package main

import (
	"archive/tar"
	"cmp"
	"fmt"
	"github.com/klauspost/compress/gzip"
	"io"
	"os"
	"path"
	"slices"
	"time"
)

// writeArchive writes the release archive of files to w: everything under
// one top directory, owned by root, every entry dated mtime, so the same
// inputs give the same bytes.
func writeArchive(w io.Writer, top string, release []file, mtime time.Time) error {
	zw, err := gzip.NewWriterLevel(w, gzip.DefaultCompression)
	if err != nil {
		return err
	}
	zw.ModTime = mtime
	tw := tar.NewWriter(zw)
	dirs := map[string]bool{}
	var addDir func(string) error
	addDir = func(d string) error {
		if d == "." || dirs[d] {
			return nil
		}
		if err := addDir(path.Dir(d)); err != nil {
			return err
		}
		dirs[d] = true
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, Uname: "root", Gname: "root", ModTime: mtime})
	}
	release = slices.Clone(release)
	slices.SortFunc(release, func(a, b file) int { return cmp.Compare(a.archive, b.archive) })
	for _, f := range release {
		if f.archive == "" {
			continue
		}
		name := path.Join(top, f.archive)
		if err := addDir(path.Dir(name)); err != nil {
			return fmt.Errorf("archive %s: %w", name, err)
		}
		body, err := f.body(archiveBinDir)
		if err != nil {
			return fmt.Errorf("archive %s: %w", name, err)
		}
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(f.mode()), Uname: "root", Gname: "root", Size: int64(len(body)), ModTime: mtime}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("archive %s: %w", name, err)
		}
		if _, err := tw.Write(body); err != nil {
			return fmt.Errorf("archive %s: %w", name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	return zw.Close()
}

// writeArchiveFile writes the archive to path.
func writeArchiveFile(p, top string, release []file, mtime time.Time) error {
	out, err := os.Create(p)
	if err != nil {
		return err
	}
	if err := writeArchive(out, top, release, mtime); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
