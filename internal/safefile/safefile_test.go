package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string
		limit         int64
		want          string // error substring; empty: content read back
	}{
		{"under the limit", "abc", 4, ""},
		{"at the limit", "abcd", 4, ""},
		{"over the limit", "abcde", 4, "larger than the limit of 4 bytes"},
		{"KiB limit", strings.Repeat("x", 2049), 2048, "larger than the limit of 2 KiB"},
		{"empty", "", 4, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			data, err := ReadRegular(path, tc.limit)
			switch {
			case tc.want == "" && (err != nil || string(data) != tc.content):
				t.Errorf("ReadRegular = %q, %v; want %q", data, err, tc.content)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := ReadRegular(filepath.Join(dir, "missing"), 4); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want not exist", err)
	}
	// A symlink to a regular file is followed: dsn_file may be a mounted
	// Kubernetes secret, which is a chain of symlinks.
	link := filepath.Join(dir, "link")
	if err := os.Symlink(filepath.Join(dir, "under_the_limit"), link); err != nil {
		t.Fatal(err)
	}
	if data, err := ReadRegular(link, 4); err != nil || string(data) != "abc" {
		t.Errorf("symlink: %q, %v", data, err)
	}
}

func TestReadRegularRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := mkfifo(fifo); err != nil {
		t.Fatal(err)
	}
	for path, kind := range map[string]string{fifo: "a named pipe", dir: "a directory", "/dev/zero": "a character device"} {
		if _, err := ReadRegular(path, 4); err == nil || !strings.Contains(err.Error(), "is not a regular file ("+kind+")") {
			t.Errorf("%s: err = %v, want not a regular file (%s)", path, err, kind)
		}
	}
}

func mkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }
