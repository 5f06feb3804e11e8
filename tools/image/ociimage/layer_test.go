package ociimage

import (
	"archive/tar"
	"fmt"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/kos-ops/kos_exporter/tools/image/internal/imagetest"
)

// tarEntry is what a test checks of one layer entry.
type tarEntry struct {
	Name string
	Mode int64
	Type byte
	Data string
}

// readLayer lists a layer's entries and checks the reproducibility rules:
// owner 0:0, no user or group names, every mtime the given time.
func readLayer(t *testing.T, l v1.Layer, mtime time.Time) []tarEntry {
	t.Helper()
	var got []tarEntry
	for _, e := range imagetest.Layer(t, l) {
		if e.Uid != 0 || e.Gid != 0 || e.Uname != "" || e.Gname != "" || !e.ModTime.Equal(mtime) {
			t.Errorf("%s: owner %d:%d (%q:%q), mtime %v; want 0:0, no names, %v", e.Name, e.Uid, e.Gid, e.Uname, e.Gname, e.ModTime, mtime)
		}
		got = append(got, tarEntry{e.Name, e.Mode, e.Typeflag, string(e.Data)})
	}
	return got
}

func TestLayer(t *testing.T) {
	mtime := time.Date(2026, 11, 29, 23, 43, 33, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		files   []File
		want    []tarEntry
		wantErr string
	}{
		{
			name: "sorted, with parents",
			files: []File{
				{Entry{"/etc/ssl/certs/ca.crt", 0o644}, []byte("ca")},
				{Entry{"/bin/b", 0o755}, []byte("bb")},
				{Entry{"/etc/passwd", 0o600}, []byte("pw")},
				{Entry{"/bin/a", 0o755}, []byte("aa")},
			},
			want: []tarEntry{
				{"bin/", 0o755, tar.TypeDir, ""},
				{"bin/a", 0o755, tar.TypeReg, "aa"},
				{"bin/b", 0o755, tar.TypeReg, "bb"},
				{"etc/", 0o755, tar.TypeDir, ""},
				{"etc/passwd", 0o600, tar.TypeReg, "pw"},
				{"etc/ssl/", 0o755, tar.TypeDir, ""},
				{"etc/ssl/certs/", 0o755, tar.TypeDir, ""},
				{"etc/ssl/certs/ca.crt", 0o644, tar.TypeReg, "ca"},
			},
		},
		{name: "relative", files: []File{{Entry{"bin/a", 0o755}, nil}}, wantErr: `image file "bin/a": want an absolute file path`},
		{name: "directory", files: []File{{Entry{"/bin/", 0o755}, nil}}, wantErr: "want an absolute file path"},
		{name: "twice", files: []File{{Entry{"/a", 0o644}, nil}, {Entry{"/a", 0o600}, nil}}, wantErr: `image file "/a" twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Layer(tc.files, mtime)
			if wantError(t, err, tc.wantErr) {
				return
			}
			if got := readLayer(t, l, mtime); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("entries\n%v\nwant\n%v", got, tc.want)
			}
		})
	}
}

// The same files and time give the same digest whatever the input order;
// another time gives another digest.
func TestLayerReproducible(t *testing.T) {
	files := []File{{Entry{"/bin/a", 0o755}, []byte("a")}, {Entry{"/etc/b", 0o644}, []byte("b")}}
	reversed := []File{files[1], files[0]}
	t0 := time.Unix(1700000000, 0).UTC()
	digest := func(fs []File, mtime time.Time) v1.Hash {
		l, err := Layer(fs, mtime)
		if err != nil {
			t.Fatal(err)
		}
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a, b, c := digest(files, t0), digest(reversed, t0), digest(files, t0.Add(time.Second))
	if a != b {
		t.Errorf("input order changes the digest: %s, %s", a, b)
	}
	if a == c {
		t.Errorf("the file time does not reach the layer: both %s", a)
	}
}
