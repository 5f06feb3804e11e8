// Package releasetest builds the release binaries for the packaging tests
// (tools/dist, tools/image) as `make release-bins` ships them, with one
// fixed stamp: the tests check that stamp in what they package, and a
// second test with the same stamp reuses the linked binaries from Go's
// build cache.
package releasetest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The stamp of the test binaries; Version is shaped like `git describe`
// between two tags, so packagers see a pre-release build.
const (
	Version  = "v1.2.3-4-gabcdef0"
	Revision = "0123456789abcdef0123456789abcdef01234567"
	Branch   = "releasetest"
	// BuildDate is promu's format; the image tests use the same instant.
	BuildDate = "20260101-00:00:00"
	Epoch     = 1767225600 // BuildDate as Unix seconds
)

// Bins runs `make release-bins` in repoRoot for arches into a temporary
// directory and returns its bin directory (linux-<arch>/{kos_exporter,
// kos_report}).
func Bins(t testing.TB, repoRoot string, arches ...string) string {
	t.Helper()
	dist := t.TempDir()
	cmd := exec.CommandContext(t.Context(), "make", "-s", "-C", repoRoot, "release-bins",
		"ARCHES="+strings.Join(arches, " "), "DIST="+dist, "VERSION="+Version, "REVISION="+Revision,
		"BRANCH="+Branch, "BUILDUSER=test@releasetest", "BUILDDATE="+BuildDate)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make release-bins ARCHES=%q: %v\n%s", strings.Join(arches, " "), err, out)
	}
	return filepath.Join(dist, "bin")
}
