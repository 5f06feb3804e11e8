// Package imagetest reads layers and tarballs back for the tests of
// tools/image.
package imagetest

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Entry is one tar entry with its content.
type Entry struct {
	*tar.Header
	Data []byte
}

// Tar reads every entry of a tar stream.
func Tar(t testing.TB, r io.Reader) []Entry {
	t.Helper()
	var es []Entry
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return es
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, Entry{h, data})
	}
}

// Layer reads every entry of a layer.
func Layer(t testing.TB, l v1.Layer) []Entry {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	return Tar(t, rc)
}

// Untar extracts a tarball of directories and regular files into a new
// directory, files with their modes.
func Untar(t testing.TB, file string) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := t.TempDir()
	for _, e := range Tar(t, f) {
		p := filepath.Join(dir, filepath.FromSlash(e.Name))
		switch e.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
				err = os.WriteFile(p, e.Data, os.FileMode(e.Mode).Perm())
			}
		default:
			t.Fatalf("%s: entry %s has type %c, want a directory or a regular file", file, e.Name, e.Typeflag)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
