package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestArchiveAsReadmePromises: the archive's top level is exactly the list
// under README's "### Release archive" (built here with stand-in binaries;
// TestRelease checks the real ones).
func TestArchiveAsReadmePromises(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	promised := readmeArchiveList(t, string(readme))

	bin := t.TempDir()
	for _, name := range []string{"kos_exporter", "kos_report"} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("stand-in"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	release, err := releaseFiles("../..", bin)
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "a.tar.gz")
	if err := writeArchiveFile(archive, "top", release, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	l, err := readTarGz(archive)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for p, e := range l {
		rest, ok := strings.CutPrefix(p, "/top/")
		if !ok || strings.Contains(rest, "/") {
			continue
		}
		if e.mode.IsDir() {
			rest += "/"
		}
		got = append(got, rest)
	}
	slices.Sort(got)
	if !slices.Equal(got, promised) {
		t.Errorf("the archive holds %q\nREADME promises %q", got, promised)
	}
}

// readmeArchiveList returns the first word of each line of the text block
// under "### Release archive" that starts with the archive's top
// directory, sorted.
func readmeArchiveList(t *testing.T, readme string) []string {
	t.Helper()
	_, section, ok := strings.Cut(readme, "\n### Release archive\n")
	if !ok {
		t.Fatal(`README has no "### Release archive"`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	_, block, ok := strings.Cut(section, "```text\nkos_exporter-<version>.linux-<arch>/\n")
	if !ok {
		t.Fatal("README's Release archive section has no ```text block listing kos_exporter-<version>.linux-<arch>/")
	}
	block, _, _ = strings.Cut(block, "```")
	var names []string
	for _, l := range lines([]byte(block)) {
		names = append(names, strings.Fields(l)[0])
	}
	slices.Sort(names)
	return names
}
