package ociimage

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// fakeInputs writes small stand-ins for the binaries and the repository's
// files: the builder's logic does not depend on their size.
func fakeInputs(t *testing.T) Inputs {
	t.Helper()
	dir := t.TempDir()
	for _, p := range Platforms() {
		for _, n := range []string{"kos_exporter", "kos_report"} {
			f := filepath.Join(dir, "bin", "linux-"+p.Architecture, n)
			if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f, []byte(n+" for "+p.Architecture), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, text := range map[string]string{"collectors.yaml": "targets: {}\n", "collectors-live.yaml": "targets: {}\n", "LICENSE": "licence\n", "NOTICE": "notice\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return Inputs{BinDir: filepath.Join(dir, "bin"), Repo: dir}
}

// wantError checks err against a table case: with want set, err must
// contain it and the case is done; without, err must be nil.
func wantError(t *testing.T, err error, want string) (done bool) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatal(err)
		}
		return false
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one containing %q", err, want)
	}
	return true
}

func TestNewMeta(t *testing.T) {
	for _, tc := range []struct {
		name, version, revision string
		epoch                   int64
		want                    Meta
		wantErr                 string
	}{
		{name: "tag", version: "v1.2.3", revision: "abc", epoch: 1700000000,
			want: Meta{Version: "1.2.3", Revision: "abc", Created: time.Unix(1700000000, 0).UTC()}},
		{name: "describe dirty", version: "d42f478-dirty", revision: "abc", epoch: 0,
			want: Meta{Version: "d42f478-dirty", Revision: "abc", Created: time.Unix(0, 0).UTC()}},
		{name: "not a tag", version: "1.2.3+build", revision: "abc", wantErr: `version "1.2.3+build" is not an image tag`},
		{name: "empty version", version: "", revision: "abc", wantErr: "is not an image tag"},
		{name: "no revision", version: "1.2.3", wantErr: "revision is empty"},
		{name: "no epoch", version: "1.2.3", revision: "abc", epoch: -1, wantErr: "SOURCE_DATE_EPOCH -1: want the commit time in Unix seconds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NewMeta(tc.version, tc.revision, tc.epoch)
			if wantError(t, err, tc.wantErr) {
				return
			}
			if got != tc.want {
				t.Fatalf("NewMeta = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestCABundle(t *testing.T) {
	pemBytes, err := CABundle()
	if err != nil {
		t.Fatal(err)
	}
	var unconstrained int
	for r := range bundle.Roots() {
		if r.Constraint == nil {
			unconstrained++
		}
	}
	var n int
	for rest := pemBytes; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			if len(strings.TrimSpace(string(rest))) != 0 {
				t.Fatalf("bytes after the last certificate: %.40q", rest)
			}
			break
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			t.Fatalf("certificate %d: %v", n, err)
		}
		n++
	}
	if n != unconstrained || n < 100 {
		t.Fatalf("%d certificates, want the %d unconstrained roots of the bundle", n, unconstrained)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pemBytes) {
		t.Fatal("crypto/x509 reads no certificate from the bundle")
	}
}

func TestFiles(t *testing.T) {
	in := fakeInputs(t)
	for _, p := range Platforms() {
		files, err := Files(in, p.Architecture)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, f := range files {
			got[f.Path] = string(f.Data)
		}
		for path, want := range map[string]string{
			"/bin/kos_exporter":                   "kos_exporter for " + p.Architecture,
			"/bin/kos_report":                     "kos_report for " + p.Architecture,
			ConfigPath:                            "targets: {}\n",
			"/etc/passwd":                         passwd,
			"/etc/group":                          group,
			"/usr/share/doc/kos_exporter/LICENSE": "licence\n",
			"/usr/share/doc/kos_exporter/NOTICE":  "notice\n",
		} {
			if got[path] != want {
				t.Errorf("%s %s = %q, want %q", p.Architecture, path, got[path], want)
			}
		}
		if !strings.HasPrefix(got[CAPath], "-----BEGIN CERTIFICATE-----") {
			t.Errorf("%s %s is not a PEM bundle", p.Architecture, CAPath)
		}
	}
	if _, err := Files(Inputs{BinDir: t.TempDir(), Repo: in.Repo}, "amd64"); err == nil || !strings.Contains(err.Error(), "/bin/kos_exporter for amd64") {
		t.Fatalf("missing binary: error %v, want one naming the file", err)
	}
}

func TestPasswdGroupName65534(t *testing.T) {
	for _, tc := range []struct{ file, line string }{
		{passwd, "nobody:x:65534:65534:"},
		{group, "nogroup:x:65534:"},
	} {
		if !strings.Contains(tc.file, "\n"+tc.line) {
			t.Errorf("%q lacks a line starting %q", tc.file, tc.line)
		}
	}
}
