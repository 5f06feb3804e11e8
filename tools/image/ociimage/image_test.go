package ociimage

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"io/fs"
	"log"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/kos-ops/kos_exporter/tools/image/internal/imagetest"
)

func testMeta(revision string) Meta {
	return Meta{Version: "1.2.3", Revision: revision, Created: time.Unix(1700000000, 0).UTC()}
}

func indexDigest(t *testing.T, m Meta, in Inputs) v1.Hash {
	t.Helper()
	idx, err := Index(m, in)
	if err != nil {
		t.Fatal(err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Two builds of the same inputs give the same index digest; a change in
// the metadata gives another one.
func TestIndexReproducible(t *testing.T) {
	in := fakeInputs(t)
	a, b := indexDigest(t, testMeta("abc"), in), indexDigest(t, testMeta("abc"), in)
	if a != b {
		t.Fatalf("two builds: %s and %s", a, b)
	}
	if c := indexDigest(t, testMeta("abd"), in); c == a {
		t.Fatalf("another revision gives the same digest %s", a)
	}
}

func fileSHA(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// readLayoutIndex reads an OCI layout whose index.json names one image
// index, as Write leaves it, and returns that index and its annotations.
func readLayoutIndex(t *testing.T, dir string) (v1.ImageIndex, map[string]string) {
	t.Helper()
	top, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || !im.Manifests[0].MediaType.IsIndex() {
		t.Fatalf("index.json holds %+v, want one image index", im.Manifests)
	}
	idx, err := top.ImageIndex(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return idx, im.Manifests[0].Annotations
}

func TestWrite(t *testing.T) {
	m := testMeta("abc")
	idx, err := Index(m, fakeInputs(t))
	if err != nil {
		t.Fatal(err)
	}
	want, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "dist")
	out, err := Write(dir, m, idx)
	if err != nil {
		t.Fatal(err)
	}
	if out.Layout != filepath.Join(dir, "kos_exporter-1.2.3.oci") || out.OCITar != filepath.Join(dir, "kos_exporter-1.2.3.oci.tar") ||
		out.DockerTars["arm64"] != filepath.Join(dir, "kos_exporter-1.2.3.linux-arm64.docker.tar") {
		t.Fatalf("output names %+v", out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if wantNames := []string{"kos_exporter-1.2.3.linux-amd64.docker.tar", "kos_exporter-1.2.3.linux-arm64.docker.tar", "kos_exporter-1.2.3.oci", "kos_exporter-1.2.3.oci.tar"}; !slices.Equal(names, wantNames) {
		t.Fatalf("%s holds %q, want %q (nothing staged left over)", dir, names, wantNames)
	}

	err = filepath.WalkDir(out.Layout, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err == nil && info.Mode().Perm() != map[bool]fs.FileMode{true: 0o755, false: 0o644}[d.IsDir()] {
			t.Errorf("%s: mode %v", p, info.Mode())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	wantAnn := map[string]string{"io.containerd.image.name": "ghcr.io/kos-ops/kos_exporter:1.2.3", "org.opencontainers.image.ref.name": "1.2.3"}
	for what, layoutDir := range map[string]string{"layout": out.Layout, "layout tarball": imagetest.Untar(t, out.OCITar)} {
		got, ann := readLayoutIndex(t, layoutDir)
		if d, err := got.Digest(); err != nil || d != want {
			t.Errorf("%s: index %s, %v; want %s", what, d, err, want)
		}
		if !maps.Equal(ann, wantAnn) {
			t.Errorf("%s: index.json annotations %v, want %v", what, ann, wantAnn)
		}
	}

	tag, err := name.NewTag(m.Ref())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range Platforms() {
		archive := out.DockerTars[p.Architecture]
		img, err := tarball.ImageFromPath(archive, &tag)
		if err != nil {
			t.Fatalf("%s: %v", archive, err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.Architecture != p.Architecture || cf.Config.User != User {
			t.Errorf("%s: architecture %q, user %q", archive, cf.Architecture, cf.Config.User)
		}
		if tags := manifestTags(t, archive); !slices.Equal(tags, []string{m.Ref()}) {
			t.Errorf("%s: manifest.json RepoTags %q, want [%s]", archive, tags, m.Ref())
		}
	}

	pushLayout(t, out.Layout, want)

	// A second write replaces the outputs with the same bytes.
	before := fileSHA(t, out.OCITar)
	if _, err := Write(dir, m, idx); err != nil {
		t.Fatal(err)
	}
	if fileSHA(t, out.OCITar) != before {
		t.Fatal("the layout tarball differs between two writes")
	}
}

// manifestTags reads the RepoTags of a docker-archive's manifest.json,
// which docker load uses to tag the image.
func manifestTags(t *testing.T, archive string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(imagetest.Untar(t, archive), "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var mf []struct{ RepoTags []string }
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&mf); err != nil || len(mf) != 1 {
		t.Fatalf("manifest.json %s: %v", data, err)
	}
	return mf[0].RepoTags
}

func TestWriteRootfs(t *testing.T) {
	files, err := Files(fakeInputs(t), "arm64")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := WriteRootfs(dir, files); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode() != f.Mode || !bytes.Equal(data, f.Data) {
			t.Errorf("%s: mode %v, %d bytes; want %v, %d bytes", f.Path, info.Mode(), len(data), f.Mode, len(f.Data))
		}
	}
}

// pushLayout pushes the layout as `crane push <layout> <ref>` does (read
// the layout, push the one index index.json names) to a registry in the
// test, and reads the index back by tag.
func pushLayout(t *testing.T, dir string, want v1.Hash) {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	idx, _ := readLayoutIndex(t, dir)
	ref, err := name.ParseReference(strings.TrimPrefix(srv.URL, "http://") + "/kos-ops/kos_exporter:1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatalf("push: %v", err)
	}
	pulled, err := remote.Index(ref)
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if d, err := pulled.Digest(); err != nil || d != want {
		t.Fatalf("pulled index %s, %v; want %s", d, err, want)
	}
}
