package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseQueryTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"00:00:00.001234", 1234 * time.Microsecond, false},
		{"00:00:01.250000", 1250 * time.Millisecond, false},
		{"01:02:03.000001", time.Hour + 2*time.Minute + 3*time.Second + time.Microsecond, false},
		{"00:00:00", 0, false},
		{"1.5", 0, true},
		{"00:xx:00.1", 0, true},
		{"-01:00:00.0", 0, true},
	} {
		got, err := parseQueryTime(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("parseQueryTime(%q) = %v, %v; want %v, error %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestSlowLogStats(t *testing.T) {
	st, err := slowLogStats([][3]string{
		{"00:00:00.003000", "1863", "1"},
		{"00:00:00.001000", "1863", "1"},
		{"00:00:00.020000", "1864", "1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := runStats{runs: 3, total: 24 * time.Millisecond, max: 20 * time.Millisecond, examined: 5590, sent: 3}
	if st.runs != want.runs || st.total != want.total || st.max != want.max || st.examined != want.examined || st.sent != want.sent {
		t.Errorf("got %+v, want %+v", st, want)
	}
	if m := st.median(); m != 3*time.Millisecond {
		t.Errorf("median %v, want 3ms (the middle run, not the 8ms mean)", m)
	}
	if _, err := slowLogStats([][3]string{{"00:00:00.1", "x", "1"}}); err == nil {
		t.Error("a non-numeric rows_examined was accepted")
	}
}

func TestDigestDelta(t *testing.T) {
	before := map[string]digestRow{
		"a": {text: "SELECT COUNT ( * ) FROM `activation` WHERE `state` = ?", count: 10, timer: 10e9, examined: 100, sent: 10},
		"b": {text: "SELECT `model` FROM `ref_model`", count: 3, timer: 1e9},
		"s": {text: "SELECT ... FROM `performance_schema` . `events_statements_summary_by_digest`", count: 1},
	}
	after := map[string]digestRow{
		"a": {text: before["a"].text, count: 15, timer: 20e9, examined: 150, sent: 15, maxPS: 9e9},
		"b": before["b"],
		"s": {text: before["s"].text, count: 6},
	}
	st, err := digestDelta(before, after, 5)
	if err != nil {
		t.Fatal(err)
	}
	if st.runs != 5 || st.total != 10*time.Millisecond || st.examined != 50 || st.sent != 5 || st.max != 0 {
		t.Errorf("got %+v; want 5 runs, 10ms, 50 examined, 5 sent, max unknown (the digest existed before)", st)
	}
	if m := st.median(); m != 2*time.Millisecond {
		t.Errorf("median %v, want the 2ms mean", m)
	}
	after["c"] = digestRow{text: "SELECT 1", count: 5, timer: 5e9, maxPS: 2e9}
	if _, err := digestDelta(before, after, 5); err == nil || !strings.Contains(err.Error(), "2 statement digests") {
		t.Errorf("two digests that ran 5 times: err %v", err)
	}
	delete(after, "a")
	st, err = digestDelta(before, after, 5)
	if err != nil || st.max != 2*time.Millisecond {
		t.Errorf("a new digest: %+v, %v; want its MAX_TIMER_WAIT 2ms", st, err)
	}
}
