package main

import (
	"bytes"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/internal/releasetest"
	rpmutils "github.com/sassoftware/go-rpmutils"
)

// The release as the README and the issue promise it, written out here
// rather than derived from layout.go, so a change to either shows.
const (
	testVersion    = releasetest.Version
	testPkgVersion = "1.2.3+4.gabcdef0"
	testArchive    = "kos_exporter-1.2.3-4-gabcdef0.linux-amd64.tar.gz"
	testDeb        = "kos-exporter_1.2.3+4.gabcdef0_amd64.deb"
	testRPM        = "kos-exporter-1.2.3+4.gabcdef0-1.x86_64.rpm"
)

// promise is one file of the deb and rpm: its mode, whether it is a
// config file an upgrade keeps, and where its bytes come from ("bin/" +
// name: the release binary; "" for a rendered unit, checked in "units").
type promise struct {
	mode   fs.FileMode
	config bool
	src    string
}

func packagePromise() map[string]promise {
	doc := "/usr/share/doc/kos-exporter/"
	return map[string]promise{
		"/usr/bin/kos_exporter":                        {0o755, false, "bin/kos_exporter"},
		"/usr/bin/kos_report":                          {0o755, false, "bin/kos_report"},
		"/etc/kos_exporter/collectors.yaml":            {0o644, true, "collectors.yaml"},
		"/etc/kos_exporter/collectors-live.yaml":       {0o644, true, "collectors-live.yaml"},
		"/etc/default/kos_exporter":                    {0o644, true, "packaging/default/kos_exporter"},
		"/etc/default/kos_report":                      {0o644, true, "packaging/default/kos_report"},
		"/usr/lib/systemd/system/kos_exporter.service": {0o644, false, ""},
		"/usr/lib/systemd/system/kos_report.service":   {0o644, false, ""},
		doc + "LICENSE":                                {0o644, false, "LICENSE"},
		doc + "NOTICE":                                 {0o644, false, "NOTICE"},
		doc + "README.md":                              {0o644, false, "README.md"},
		doc + "CHANGELOG.md":                           {0o644, false, "CHANGELOG.md"},
	}
}

// ownedDirs are the directories the packages own explicitly.
func ownedDirs() []string { return []string{"/etc/kos_exporter", "/usr/share/doc/kos-exporter"} }

// release is what one build produced, read back.
type release struct {
	root, binDir, out string
	deb               *debFile
	debRoot           string // the deb's data, extracted by the Go reader
}

// releaseBins builds the amd64 release binaries as make dist does (make
// release-bins) into a temporary DIST, stamped with testVersion (the
// packaged exporter must report it), and the simulator; it returns the
// binaries' directory and the simulator.
func releaseBins(t *testing.T) (binDir, simBin string) {
	t.Helper()
	binDir = releasetest.Bins(t, "../..", "amd64")
	simBin = filepath.Join(t.TempDir(), "kos_launchsim")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", simBin, "./launchsim/cmd/kos_launchsim")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build kos_launchsim: %v\n%s", err, out)
	}
	return binDir, simBin
}

// TestRelease builds the amd64 archive, deb and rpm from release binaries,
// reads each back with Go alone, and runs what the deb installs as its
// units start it, against the simulator.
func TestRelease(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	binDir, sim := releaseBins(t)
	r := &release{root: root, binDir: filepath.Join(binDir, "linux-amd64"), out: t.TempDir()}
	names, err := build(options{
		root: root, binDir: binDir, outDir: r.out, version: testVersion,
		arches: []string{"amd64"}, formats: []string{"tar.gz", "deb", "rpm"},
		mtime: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC),
	}, slog.New(slog.NewTextHandler(t.Output(), nil)))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{testArchive, testDeb, testRPM}; !slices.Equal(names, want) {
		t.Fatalf("built %q, want %q", names, want)
	}
	r.debRoot = filepath.Join(t.TempDir(), "root")
	if r.deb, err = readDeb(filepath.Join(r.out, testDeb), r.debRoot, filepath.Join(t.TempDir(), "DEBIAN")); err != nil {
		t.Fatalf("reading the deb: %v", err)
	}

	t.Run("SHA256SUMS", r.testSums)
	t.Run("deb", r.testDeb)
	t.Run("deb with dpkg-deb", r.testDpkgDeb)
	t.Run("rpm", r.testRPM)
	t.Run("archive", r.testArchive)
	t.Run("units", r.testUnits)
	t.Run("packaged kos_exporter on the simulator", func(t *testing.T) { r.testExporter(t, sim, "") })
	t.Run("packaged kos_exporter on collectors-live.yaml", func(t *testing.T) { r.testExporter(t, sim, "collectors-live.yaml") })
	t.Run("packaged kos_report", r.testReport)
}

func (r *release) testSums(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(r.out, sumsFile))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines(b) {
		sum, name, ok := strings.Cut(l, "  ")
		if !ok {
			t.Fatalf("line %q is not <sha256>  <file>", l)
		}
		body, err := os.ReadFile(filepath.Join(r.out, name))
		if err != nil {
			t.Fatal(err)
		}
		if sha(body) != sum {
			t.Errorf("%s: SHA256SUMS says %s, the file is %s", name, sum, sha(body))
		}
		got = append(got, name)
	}
	if want := []string{testRPM, testDeb, testArchive}; !slices.Equal(got, want) {
		t.Errorf("SHA256SUMS lists %q, want %q", got, want)
	}
	if _, err := exec.LookPath("sha256sum"); err != nil {
		t.Log("sha256sum not found: SHA256SUMS checked by Go only")
		return
	}
	cmd := exec.Command("sha256sum", "--strict", "-c", sumsFile)
	cmd.Dir = r.out
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c: %v\n%s", err, out)
	}
}

// wantPackageFiles checks a package listing against the promise: exactly
// these files, modes, config flags and contents, owned by root.
func (r *release) wantPackageFiles(t *testing.T, got listing) {
	t.Helper()
	for p, w := range packagePromise() {
		e, ok := got[p]
		if !ok {
			t.Errorf("%s is missing", p)
			continue
		}
		if e.mode != w.mode || e.config != w.config || e.owner != "root:root" {
			t.Errorf("%s: mode %v, config %v, owner %s; want %v, %v, root:root", p, e.mode, e.config, e.owner, w.mode, w.config)
		}
		if w.src == "" {
			continue
		}
		src := filepath.Join(r.root, w.src)
		if name, ok := strings.CutPrefix(w.src, "bin/"); ok {
			src = filepath.Join(r.binDir, name)
		}
		body, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if e.sum != sha(body) {
			t.Errorf("%s differs from %s", p, src)
		}
	}
	for p, e := range got {
		if _, ok := packagePromise()[p]; !ok && !e.mode.IsDir() {
			t.Errorf("unexpected file %s", p)
		}
	}
}

func (r *release) testDeb(t *testing.T) {
	d := r.deb
	if want := []string{"debian-binary", "control.tar.gz", "data.tar.zst"}; !slices.Equal(d.members, want) {
		t.Errorf("ar members %q, want %q", d.members, want)
	}
	r.wantPackageFiles(t, d.data)
	// Directories: exactly the parents of the files and the owned ones.
	want := map[string]bool{}
	for p := range packagePromise() {
		for dir := path.Dir(p); dir != "/"; dir = path.Dir(dir) {
			want[dir] = true
		}
	}
	for p, e := range d.data {
		if e.mode.IsDir() && (!want[p] || e.mode != fs.ModeDir|0o755 || e.owner != "root:root") {
			t.Errorf("directory %s: %v %s, want one of the files' parents, 0755, root:root", p, e.mode, e.owner)
		}
	}
	for _, dir := range ownedDirs() {
		if !d.data[dir].mode.IsDir() {
			t.Errorf("directory %s is not in the package", dir)
		}
	}

	fields := map[string]string{}
	for _, l := range lines(d.control["control"]) {
		if k, v, ok := strings.Cut(l, ": "); ok {
			fields[k] = v
		}
	}
	for k, v := range map[string]string{"Package": packageName, "Version": testPkgVersion, "Architecture": "amd64"} {
		if fields[k] != v {
			t.Errorf("control %s: %q, want %q", k, fields[k], v)
		}
	}
	for name, src := range map[string]string{"postinst": postInstall, "prerm": preRemove, "postrm": postRemove} {
		want, err := os.ReadFile(filepath.Join(r.root, src))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(d.control[name], want) {
			t.Errorf("%s is not %s", name, src)
		}
	}
	if _, ok := d.control["preinst"]; ok {
		t.Error("unexpected preinst")
	}
}

// testDpkgDeb is the extra check where dpkg-deb exists: it must read the
// same package as the Go reader.
func (r *release) testDpkgDeb(t *testing.T) {
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("dpkg-deb not found: the deb was read by the Go reader only")
	}
	deb := filepath.Join(r.out, testDeb)
	dir := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "-x", deb, dir).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -x: %v\n%s", err, out)
	}
	byDpkg, err := listDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	byGo, err := listDir(r.debRoot)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(byDpkg, byGo) {
		t.Errorf("dpkg-deb -x and the Go reader extract different trees:\ndpkg-deb: %v\nGo:       %v", byDpkg, byGo)
	}
	out, err := exec.Command("dpkg-deb", "--show", "--showformat", "${Package} ${Version} ${Architecture}", deb).CombinedOutput()
	if want := packageName + " " + testPkgVersion + " amd64"; err != nil || string(out) != want {
		t.Errorf("dpkg-deb --show: %q, %v; want %q", out, err, want)
	}
	out, err = exec.Command("dpkg-deb", "--ctrl-tarfile", deb).Output()
	if err != nil {
		t.Fatalf("dpkg-deb --ctrl-tarfile: %v", err)
	}
	ctl, err := readTar(bytes.NewReader(out), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"/postinst", "/prerm", "/postrm"} {
		if ctl[s].mode != 0o755 {
			t.Errorf("control %s: mode %v, want 0755", s, ctl[s].mode)
		}
	}
}

func (r *release) testRPM(t *testing.T) {
	hdr, got, err := readRPM(filepath.Join(r.out, testRPM))
	if err != nil {
		t.Fatal(err)
	}
	nevra, err := hdr.GetNEVRA()
	if err != nil {
		t.Fatal(err)
	}
	if want := (rpmutils.NEVRA{Name: packageName, Epoch: "0", Version: testPkgVersion, Release: "1", Arch: "x86_64"}); *nevra != want {
		t.Errorf("rpm %+v, want %+v", *nevra, want)
	}
	// Config files: %config(noreplace), so rpm -U keeps an edited one.
	for p, e := range got {
		if e.config != e.noreplace {
			t.Errorf("%s: %%config without noreplace", p)
		}
	}
	r.wantPackageFiles(t, got)
	var dirs []string
	for p, e := range got {
		if e.mode.IsDir() {
			dirs = append(dirs, p)
		}
	}
	if slices.Sort(dirs); !slices.Equal(dirs, ownedDirs()) {
		t.Errorf("rpm owns directories %q, want %q", dirs, ownedDirs())
	}
	// The units are the deb's, byte for byte.
	for p, e := range got {
		if strings.HasSuffix(p, ".service") && e.sum != r.deb.data[p].sum {
			t.Errorf("%s differs from the deb's", p)
		}
	}
	for tag, src := range map[int]string{rpmutils.POSTIN: postInstall, rpmutils.PREUN: preRemove, rpmutils.POSTUN: postRemove} {
		want, err := os.ReadFile(filepath.Join(r.root, src))
		if err != nil {
			t.Fatal(err)
		}
		if s, err := hdr.GetString(tag); err != nil || s != string(want) {
			t.Errorf("rpm scriptlet %d: %v; want %s", tag, err, src)
		}
	}
	if hdr.HasTag(rpmutils.PREIN) {
		t.Errorf("unexpected rpm %%pre scriptlet")
	}
}

func (r *release) testArchive(t *testing.T) {
	got, err := readTarGz(filepath.Join(r.out, testArchive))
	if err != nil {
		t.Fatal(err)
	}
	top := "/" + strings.TrimSuffix(testArchive, ".tar.gz")
	for p, e := range got {
		want := fs.FileMode(0o644)
		switch {
		case p == top+"/kos_exporter" || p == top+"/kos_report":
			want = 0o755
		case e.mode.IsDir():
			want = fs.ModeDir | 0o755
		}
		if (p != top && !strings.HasPrefix(p, top+"/")) || e.mode != want || e.owner != "root:root" {
			t.Errorf("%s: %v %s; want below %s, %v, root:root", p, e.mode, e.owner, top, want)
		}
	}
	for _, name := range []string{"kos_exporter", "kos_report"} {
		body, err := os.ReadFile(filepath.Join(r.binDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got[top+"/"+name].sum != sha(body) {
			t.Errorf("%s is not the release binary", name)
		}
	}
	// The archive's units start the binaries where its Install section
	// puts them; otherwise they are the packages'.
	for _, u := range []string{"kos_exporter.service", "kos_report.service"} {
		pkgUnit, err := os.ReadFile(filepath.Join(r.debRoot, unitDir, u))
		if err != nil {
			t.Fatal(err)
		}
		want := strings.ReplaceAll(string(pkgUnit), "ExecStart=/usr/bin/", "ExecStart=/usr/local/bin/")
		if got[top+"/systemd/"+u].sum != sha([]byte(want)) {
			t.Errorf("systemd/%s is not the package's unit with ExecStart in /usr/local/bin", u)
		}
	}
}
