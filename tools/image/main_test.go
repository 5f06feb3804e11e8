package main

import (
	"bytes"
	"debug/elf"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/kos-ops/kos_exporter/internal/releasetest"
	"github.com/kos-ops/kos_exporter/tools/image/internal/imagetest"
)

const repoRoot = "../.."

// The test binaries' stamp (internal/releasetest), shared with tools/dist.
const (
	testVersion  = releasetest.Version
	testRevision = releasetest.Revision
	testEpoch    = releasetest.Epoch
)

// TestMakeImage builds the image from real release binaries as `make image`
// does, reads it back from the OCI layout and runs the binaries of the
// host's platform taken from their layer.
func TestMakeImage(t *testing.T) {
	binDir := releasetest.Bins(t, repoRoot, "amd64", "arm64")
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--version", testVersion, "--revision", testRevision, "--source-date-epoch", fmt.Sprint(testEpoch),
		"--bin-dir", binDir, "--repo", repoRoot, "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}

	version := strings.TrimPrefix(testVersion, "v")
	created := time.Unix(testEpoch, 0).UTC()
	wantLabels := map[string]string{
		"org.opencontainers.image.source":      "https://github.com/kos-ops/kos_exporter",
		"org.opencontainers.image.version":     version,
		"org.opencontainers.image.revision":    testRevision,
		"org.opencontainers.image.licenses":    "Apache-2.0",
		"org.opencontainers.image.title":       "kos_exporter",
		"org.opencontainers.image.description": "Prometheus exporter turning SQL collectors into metrics for a carrier's order and activation system (KOS), with the kos_report hourly table.",
		"org.opencontainers.image.created":     "2026-01-01T00:00:00Z",
	}

	top, err := layout.ImageIndexFromPath(filepath.Join(out, "kos_exporter-"+version+".oci"))
	if err != nil {
		t.Fatal(err)
	}
	topManifest, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(topManifest.Manifests) != 1 {
		t.Fatalf("index.json holds %d entries, want the image index", len(topManifest.Manifests))
	}
	idx, err := top.ImageIndex(topManifest.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(im.Annotations, wantLabels) {
		t.Errorf("index annotations %v, want %v", im.Annotations, wantLabels)
	}
	if !strings.HasPrefix(stdout.String(), "index "+topManifest.Manifests[0].Digest.String()) {
		t.Errorf("summary %q does not start with the index digest %s", stdout.String(), topManifest.Manifests[0].Digest)
	}

	var platforms []string
	for _, d := range im.Manifests {
		platforms = append(platforms, d.Platform.String())
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(d.Platform.String(), func(t *testing.T) {
			checkImage(t, img, *d.Platform, binDir, wantLabels, created)
		})
	}
	if want := []string{"linux/amd64", "linux/arm64"}; !slices.Equal(platforms, want) {
		t.Errorf("index platforms %q, want %q", platforms, want)
	}
}

func checkImage(t *testing.T, img v1.Image, p v1.Platform, binDir string, wantLabels map[string]string, created time.Time) {
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if cf.OS != p.OS || cf.Architecture != p.Architecture || !cf.Created.Time.Equal(created) {
		t.Errorf("config os %q, architecture %q, created %v", cf.OS, cf.Architecture, cf.Created)
	}
	if c.User != "65534:65534" || c.WorkingDir != "/" ||
		!slices.Equal(c.Entrypoint, []string{"/bin/kos_exporter"}) ||
		!slices.Equal(c.Cmd, []string{"--config.file=/etc/kos_exporter/collectors.yaml"}) ||
		!maps.Equal(c.ExposedPorts, map[string]struct{}{"9847/tcp": {}}) {
		t.Errorf("config user %q, workdir %q, entrypoint %q, cmd %q, ports %v", c.User, c.WorkingDir, c.Entrypoint, c.Cmd, c.ExposedPorts)
	}
	if !maps.Equal(c.Labels, wantLabels) {
		t.Errorf("labels %v, want %v", c.Labels, wantLabels)
	}

	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("%d layers (%v), want 1", len(layers), err)
	}
	// Entry name → mode; directories end in "/".
	wantFiles := map[string]int64{
		"bin/":                                  0o755,
		"bin/kos_exporter":                      0o755,
		"bin/kos_report":                        0o755,
		"etc/":                                  0o755,
		"etc/group":                             0o644,
		"etc/kos_exporter/":                     0o755,
		"etc/kos_exporter/collectors.yaml":      0o644,
		"etc/kos_exporter/collectors-live.yaml": 0o644,
		"etc/passwd":                            0o644,
		"etc/ssl/":                              0o755,
		"etc/ssl/certs/":                        0o755,
		"etc/ssl/certs/ca-certificates.crt":     0o644,
		"usr/":                                  0o755,
		"usr/share/":                            0o755,
		"usr/share/doc/":                        0o755,
		"usr/share/doc/kos_exporter/":           0o755,
		"usr/share/doc/kos_exporter/LICENSE":    0o644,
		"usr/share/doc/kos_exporter/NOTICE":     0o644,
	}
	got := map[string]int64{}
	data := map[string][]byte{}
	for _, e := range imagetest.Layer(t, layers[0]) {
		got[e.Name] = e.Mode
		data[e.Name] = e.Data
		if e.Uid != 0 || e.Gid != 0 || !e.ModTime.Equal(created) {
			t.Errorf("%s: owner %d:%d, mtime %v; want 0:0, %v", e.Name, e.Uid, e.Gid, e.ModTime, created)
		}
	}
	if !maps.Equal(got, wantFiles) {
		t.Errorf("layer files and modes\n%v\nwant\n%v", modes(got), modes(wantFiles))
	}
	for entry, file := range map[string]string{
		"etc/kos_exporter/collectors.yaml":      "collectors.yaml",
		"etc/kos_exporter/collectors-live.yaml": "collectors-live.yaml",
		"usr/share/doc/kos_exporter/LICENSE":    "LICENSE",
		"usr/share/doc/kos_exporter/NOTICE":     "NOTICE",
	} {
		want, err := os.ReadFile(filepath.Join(repoRoot, file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data[entry], want) {
			t.Errorf("%s differs from the repository's %s", entry, file)
		}
	}

	// Each platform holds its own architecture's release binaries.
	machine := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[p.Architecture]
	dir := t.TempDir()
	for _, n := range []string{"kos_exporter", "kos_report"} {
		built, err := os.ReadFile(filepath.Join(binDir, "linux-"+p.Architecture, n))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data["bin/"+n], built) {
			t.Errorf("bin/%s is not the %s release binary", n, p.Architecture)
		}
		if f, err := elf.NewFile(bytes.NewReader(data["bin/"+n])); err != nil {
			t.Errorf("bin/%s: %v", n, err)
		} else if f.Machine != machine {
			t.Errorf("bin/%s: machine %v, want %v", n, f.Machine, machine)
		}
		if err := os.WriteFile(filepath.Join(dir, n), data["bin/"+n], 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"collectors.yaml", "collectors-live.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, name), data["etc/kos_exporter/"+name], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if p.Architecture == runtime.GOARCH {
		runBinaries(t, dir, wantLabels)
	}
}

var versionLine = regexp.MustCompile(`^(\S+), version (\S+) \(branch: \S+, revision: (\S+)\)`)

// runBinaries runs the binaries taken from the layer: --version must show
// the labels' version and revision, and the exporter must accept both
// shipped collectors files with the DSN from a file.
func runBinaries(t *testing.T, dir string, labels map[string]string) {
	for _, n := range []string{"kos_exporter", "kos_report"} {
		out, err := exec.CommandContext(t.Context(), filepath.Join(dir, n), "--version").CombinedOutput()
		if err != nil {
			t.Fatalf("%s --version: %v\n%s", n, err, out)
		}
		m := versionLine.FindStringSubmatch(string(out))
		if m == nil || m[1] != n || strings.TrimPrefix(m[2], "v") != labels["org.opencontainers.image.version"] || m[3] != labels["org.opencontainers.image.revision"] {
			t.Errorf("%s --version printed %q; want version %s, revision %s", n, out, labels["org.opencontainers.image.version"], labels["org.opencontainers.image.revision"])
		}
	}
	// The DSN as the image documents it: a mounted file named by KOS_DSN_FILE.
	dsnFile := filepath.Join(dir, "kos_dsn")
	if err := os.WriteFile(dsnFile, []byte("root@tcp(127.0.0.1:3307)/kos\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"collectors.yaml", "collectors-live.yaml"} {
		cmd := exec.CommandContext(t.Context(), filepath.Join(dir, "kos_exporter"), "--config.check", "--config.file="+filepath.Join(dir, name))
		cmd.Env = []string{"KOS_DSN_FILE=" + dsnFile}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("kos_exporter --config.check on the shipped %s: %v\n%s", name, err, out)
		}
	}
}

func TestRunErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown flag", []string{"--nope"}, 2, "flag provided but not defined: -nope"},
		{"argument", []string{"extra"}, 2, `unexpected arguments ["extra"]`},
		{"bad version", []string{"--version", "1+x", "--revision", "r", "--source-date-epoch", "0"}, 1, `version "1+x" is not an image tag`},
		{"no epoch", []string{"--version", "1", "--revision", "r"}, 1, "SOURCE_DATE_EPOCH -1: want the commit time"},
		{"no binaries", []string{"--version", "1", "--revision", "r", "--source-date-epoch", "0", "--bin-dir", "/nonexistent"}, 1, "image file /bin/kos_exporter for amd64"},
		{"rootfs arch", []string{"--rootfs", "/tmp/x", "--arch", "s390x"}, 1, `--arch "s390x": want one of the image's platforms`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, &stdout, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tc.code, tc.stderr)
			}
		})
	}
}

// modes shows name → mode in octal, sorted.
func modes(m map[string]int64) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%s %o\n", k, m[k])
	}
	return b.String()
}
