package delivery

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStateFile(t *testing.T) {
	dir := t.TempDir()
	f := stateFile{path: filepath.Join(dir, "state.json")}
	t.Run("no file: nothing sent", func(t *testing.T) {
		got, err := f.lastSent()
		if err != nil || !got.IsZero() {
			t.Fatalf("lastSent = %v, %v; want zero, nil", got, err)
		}
	})
	t.Run("round trip, no temporary files left", func(t *testing.T) {
		hour := time.Date(2026, 11, 26, 10, 0, 0, 0, time.FixedZone("KST", 9*3600))
		for _, h := range []time.Time{hour.Add(-time.Hour), hour} {
			if err := f.setLastSent(h); err != nil {
				t.Fatal(err)
			}
		}
		got, err := f.lastSent()
		if err != nil || !got.Equal(hour) {
			t.Fatalf("lastSent = %v, %v; want %v", got, err, hour)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Errorf("directory holds %d files, want only the state file", len(entries))
		}
	})
	t.Run("corrupt file is an error", func(t *testing.T) {
		bad := stateFile{path: filepath.Join(dir, "bad.json")}
		os.WriteFile(bad.path, []byte("{"), 0o600)
		if _, err := bad.lastSent(); err == nil || !strings.Contains(err.Error(), "bad.json") {
			t.Fatalf("lastSent error %v, want one naming the file", err)
		}
	})
}
