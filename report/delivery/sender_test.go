package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/report"
	"github.com/kos-ops/kos_exporter/report/table"
)

var kst = time.FixedZone("KST", 9*3600)

func at(h, m int) time.Time { return time.Date(2026, 11, 26, h, m, 0, 0, kst) }

// fakeClock jumps instead of sleeping, records the waits, and ends the run
// at stop.
type fakeClock struct {
	now, stop time.Time
	waits     []time.Duration
}

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.waits = append(c.waits, d)
	if c.now.Add(d).After(c.stop) {
		return context.Canceled
	}
	c.now = c.now.Add(d)
	return nil
}

// source has one activation per hour, or fails with err.
type source struct {
	err   error
	calls int
}

func (s *source) Day(_ context.Context, start time.Time, n int) (table.Day, error) {
	s.calls++
	if s.err != nil {
		return table.Day{}, s.err
	}
	d := table.Day{Start: start}
	for i := range n {
		d.Hours = append(d.Hours, table.Hour{Start: start.Add(time.Duration(i) * time.Hour), Activations: map[table.Key]float64{{Model: "nova_x", Kind: "new"}: 1}})
	}
	return d, nil
}

// receiver records the messages posted to it and answers with statuses in
// order (the last repeats; none: 200).
type receiver struct {
	mu       sync.Mutex
	statuses []int
	msgs     []message
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m message
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.msgs = append(rc.msgs, m)
	if len(rc.statuses) > 0 {
		w.WriteHeader(rc.statuses[min(len(rc.msgs), len(rc.statuses))-1])
	}
}

// hours lists the messages as "hh/status".
func (rc *receiver) hours() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, m := range rc.msgs {
		out = append(out, m.Hour[11:13]+"/"+m.Status)
	}
	return out
}

type run struct {
	from, to time.Time
	src      *source
	baseline string
	statuses []int
	state    string // state file; "" for a new one in a temporary directory
	atMinute int
}

type result struct {
	err   error
	sent  []string // hh/status of the messages posted
	msgs  []message
	state time.Time // last hour recorded
	log   string
	clock *fakeClock
}

func (r run) do(t *testing.T) result {
	t.Helper()
	rc := &receiver{statuses: r.statuses}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	if r.state == "" {
		r.state = filepath.Join(t.TempDir(), "state.json")
	}
	if r.src == nil {
		r.src = &source{}
	}
	if r.baseline == "" {
		r.baseline = "none"
	}
	var log bytes.Buffer
	clock := &fakeClock{now: r.from, stop: r.to}
	s := New(Config{Zone: kst, AtMinute: r.atMinute, Lang: "en", WebhookURL: srv.URL, WebhookTimeout: time.Second, WebhookAttempts: 2, StateFile: r.state},
		report.Reporter{Source: r.src, Baseline: r.baseline, Top: 3, QueryTimeout: time.Second},
		clock, slog.New(slog.NewTextHandler(&log, nil)))
	err := s.Run(context.Background())
	last, _ := stateFile{path: r.state}.lastSent()
	return result{err: err, sent: rc.hours(), msgs: rc.msgs, state: last, log: log.String(), clock: clock}
}

func TestRunSendsEachHourOnce(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	var sent []string
	var last time.Time
	for _, span := range [][2]time.Time{
		{at(10, 30), at(12, 10)}, // 09 (the latest finished hour) at start, then 10 at 11:02, 11 at 12:02
		{at(12, 1), at(12, 20)},  // restarted before 12:02: 11 was sent
		{at(12, 20), at(13, 1)},  // 12 is not due before 13:02
	} {
		res := run{from: span[0], to: span[1], state: state, atMinute: 2}.do(t)
		if !errors.Is(res.err, context.Canceled) {
			t.Fatalf("Run from %s: %v", span[0].Format("15:04"), res.err)
		}
		sent, last = append(sent, res.sent...), res.state
	}
	if want := []string{"09/complete", "10/complete", "11/complete"}; !slices.Equal(sent, want) || !last.Equal(at(11, 0)) {
		t.Errorf("sent %v, state %v; want %v, 11:00", sent, last, want)
	}
}

func TestRunSchedule(t *testing.T) {
	t.Run("sleeps until the minute past the next hour", func(t *testing.T) {
		res := run{from: at(10, 30), to: at(11, 30), atMinute: 2}.do(t)
		// 09 at once, then 10 at 11:02, then asleep until 12:02 past the stop
		if want := []time.Duration{32 * time.Minute, 60 * time.Minute}; !slices.Equal(res.clock.waits, want) {
			t.Errorf("waits %v, want %v", res.clock.waits, want)
		}
		if !slices.Equal(res.sent, []string{"09/complete", "10/complete"}) {
			t.Errorf("sent %v", res.sent)
		}
	})
	t.Run("older unsent hours are skipped", func(t *testing.T) {
		state := filepath.Join(t.TempDir(), "state.json")
		if err := (stateFile{path: state}).setLastSent(at(5, 0)); err != nil {
			t.Fatal(err)
		}
		res := run{from: at(10, 30), to: at(10, 40), state: state}.do(t)
		if !slices.Equal(res.sent, []string{"09/complete"}) || !strings.Contains(res.log, "Skipping unsent hours") {
			t.Errorf("sent %v, log:\n%s", res.sent, res.log)
		}
	})
	t.Run("minute out of range", func(t *testing.T) {
		res := run{from: at(10, 30), to: at(10, 40), atMinute: 60}.do(t)
		if res.err == nil || res.err.Error() != "minute past the hour 60 not in 0..59" || res.sent != nil {
			t.Errorf("Run = %v, sent %v", res.err, res.sent)
		}
	})
}

func TestRunFailures(t *testing.T) {
	t.Run("Prometheus down: retried, then sent marked missing", func(t *testing.T) {
		src := &source{err: errors.New("connection refused")}
		res := run{from: at(11, 2), to: at(11, 30), src: src}.do(t)
		if !slices.Equal(res.sent, []string{"10/missing"}) || !res.state.Equal(at(10, 0)) {
			t.Fatalf("sent %v, state %v; want 10/missing recorded", res.sent, res.state)
		}
		if src.calls != 4 || !slices.Equal(res.clock.waits[:3], []time.Duration{15 * time.Second, 30 * time.Second, time.Minute}) {
			t.Errorf("%d queries, waits %v; want 4 with 15s, 30s, 1m between", src.calls, res.clock.waits)
		}
		if text := res.msgs[0].Text; !strings.Contains(text, "MISSING") || !strings.Contains(text, "connection refused") {
			t.Errorf("message does not say why the hour is missing:\n%s", text)
		}
	})
	t.Run("bad baseline: nothing sent, nothing recorded, no retry", func(t *testing.T) {
		src := &source{}
		res := run{from: at(11, 2), to: at(11, 30), src: src, baseline: "2026-11-26"}.do(t)
		if res.sent != nil || !res.state.IsZero() || src.calls != 0 {
			t.Errorf("sent %v, state %v, %d queries; want none", res.sent, res.state, src.calls)
		}
		if !strings.Contains(res.log, "Report not delivered") || !strings.Contains(res.log, "is not before the reported day") {
			t.Errorf("log:\n%s", res.log)
		}
	})
	t.Run("webhook refuses: the hour is not recorded, the next one goes out", func(t *testing.T) {
		res := run{from: at(11, 2), to: at(12, 30), statuses: []int{404, 200}}.do(t)
		if !slices.Equal(res.sent, []string{"10/complete", "11/complete"}) || !res.state.Equal(at(11, 0)) {
			t.Errorf("posted %v, state %v; want 10 refused, 11 recorded", res.sent, res.state)
		}
		if !strings.Contains(res.log, "webhook answered 404 Not Found") {
			t.Errorf("log:\n%s", res.log)
		}
	})
	t.Run("state not writable: stops after sending", func(t *testing.T) {
		res := run{from: at(11, 2), to: at(11, 30), state: filepath.Join(t.TempDir(), "gone", "state.json")}.do(t)
		if res.err == nil || !strings.Contains(res.err.Error(), "sent but not recorded") || len(res.sent) != 1 {
			t.Errorf("Run = %v, sent %v", res.err, res.sent)
		}
	})
	t.Run("corrupt state: does not start", func(t *testing.T) {
		state := filepath.Join(t.TempDir(), "state.json")
		if err := os.WriteFile(state, []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
		res := run{from: at(11, 2), to: at(11, 30), state: state}.do(t)
		if res.err == nil || !strings.Contains(res.err.Error(), "reading state") || res.sent != nil {
			t.Errorf("Run = %v, sent %v", res.err, res.sent)
		}
	})
}
