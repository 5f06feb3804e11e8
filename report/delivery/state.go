package delivery

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// stateFile remembers the last hour sent, in a small file replaced
// atomically, so a restarted sender never sends an hour twice.
type stateFile struct{ path string }

type content struct {
	LastSentHour time.Time `json:"last_sent_hour"`
}

// lastSent returns the start of the last hour sent; zero when none was.
func (f stateFile) lastSent() (time.Time, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("reading state: %w", err)
	}
	var c content
	if err := json.Unmarshal(b, &c); err != nil {
		return time.Time{}, fmt.Errorf("reading state %s: %w", f.path, err)
	}
	return c.LastSentHour, nil
}

// setLastSent records hour: written to a temporary file in the same
// directory, synced, then renamed over the old one, so a crash leaves either
// the old or the new state, never half a file.
func (f stateFile) setLastSent(hour time.Time) error {
	b, err := json.Marshal(content{LastSentHour: hour})
	if err != nil {
		return fmt.Errorf("encoding state: %w", err)
	}
	dir := filepath.Dir(f.path)
	tmp, err := os.CreateTemp(dir, filepath.Base(f.path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing state: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("writing state %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("syncing state %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing state %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("replacing state %s: %w", f.path, err)
	}
	if d, err := os.Open(dir); err == nil { // make the rename durable
		defer d.Close()
		if err := d.Sync(); err != nil {
			return fmt.Errorf("syncing state directory %s: %w", dir, err)
		}
	}
	return nil
}
