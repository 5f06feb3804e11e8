package report

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/report/table"
)

var kst = time.FixedZone("KST", 9*3600)

func at(day, h int) time.Time { return time.Date(2026, 11, day, h, 0, 0, 0, kst) }

func TestParseHour(t *testing.T) {
	now := time.Date(2026, 11, 26, 11, 30, 0, 0, kst)
	for _, tc := range []struct {
		in      string
		want    time.Time
		wantErr string
	}{
		{in: "last", want: at(26, 10)},
		{in: "10", want: at(26, 10)},
		{in: "9", want: at(26, 9)},
		{in: "10:00", want: at(26, 10)},
		{in: "2026-11-25T23", want: at(25, 23)},
		{in: "2026-11-25T23:00", want: at(25, 23)},
		{in: "11", wantErr: "2026-11-26 11:00–12:00 has not ended yet (now 11:30 KST)"},
		{in: "2026-11-27T01", wantErr: "has not ended yet"},
		{in: "ten", wantErr: `"ten": want "last", "HH" or "YYYY-MM-DDTHH"`},
		{in: "24", wantErr: `"24": want`},
		{in: "2026-11-26 10", wantErr: `"2026-11-26 10": want`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseHour(tc.in, now)
			switch {
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseHour(%q) = %v, %v; want error %q", tc.in, got, err, tc.wantErr)
				}
			case err != nil || !got.Equal(tc.want) || got.Location() != kst:
				t.Fatalf("ParseHour(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
	t.Run("last at 00:30 is yesterday's 23:00", func(t *testing.T) {
		got, err := ParseHour("last", time.Date(2026, 11, 26, 0, 30, 0, 0, kst))
		if err != nil || !got.Equal(at(25, 23)) {
			t.Fatalf("ParseHour = %v, %v; want %v", got, err, at(25, 23))
		}
	})
}

// source answers Day from fixed hours and records what it was asked.
type source struct {
	err   error
	calls []string // start/n
	// deadline of each call's context, to see the report's time limit
	deadlines []time.Time
}

func (s *source) Day(ctx context.Context, start time.Time, n int) (table.Day, error) {
	s.calls = append(s.calls, fmt.Sprintf("%s/%d", start.Format("01-02T15"), n))
	d, _ := ctx.Deadline()
	s.deadlines = append(s.deadlines, d)
	if s.err != nil {
		return table.Day{}, s.err
	}
	day := table.Day{Start: start}
	for i := range n {
		day.Hours = append(day.Hours, table.Hour{
			Start:       start.Add(time.Duration(i) * time.Hour),
			Activations: map[table.Key]float64{{Model: "nova_x", Kind: "new"}: float64(start.Day())},
		})
	}
	return day, nil
}

func TestBuild(t *testing.T) {
	for _, tc := range []struct {
		name     string
		baseline string
		hour     time.Time
		calls    []string
		total    float64 // of the day section
		baseDay  time.Time
		wantErr  string
	}{
		{name: "yesterday", baseline: "yesterday", hour: at(26, 2), calls: []string{"11-26T00/3", "11-25T00/3"}, total: 3 * 26, baseDay: at(25, 0)},
		{name: "no baseline", baseline: "none", hour: at(26, 2), calls: []string{"11-26T00/3"}, total: 3 * 26},
		{name: "fixed day", baseline: "2026-11-19", hour: at(26, 0), calls: []string{"11-26T00/1", "11-19T00/1"}, total: 26, baseDay: at(19, 0)},
		{name: "baseline not before the day", baseline: "2026-11-26", hour: at(26, 2), wantErr: "2026-11-26 is not before the reported day 2026-11-26"},
		{name: "garbled baseline", baseline: "last week", hour: at(26, 2), wantErr: `"last week": want "yesterday", "none" or YYYY-MM-DD`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &source{}
			r := Reporter{Source: src, Baseline: tc.baseline, Top: 1, QueryTimeout: time.Minute}
			started := time.Now()
			rep, err := r.Build(context.Background(), tc.hour)
			ended := time.Now()
			if tc.wantErr != "" {
				var be *BaselineError
				if !errors.As(err, &be) || err.Error() != tc.wantErr {
					t.Fatalf("Build error %v, want a *BaselineError %q", err, tc.wantErr)
				}
				if len(src.calls) != 0 {
					t.Errorf("source asked %v for a bad baseline", src.calls)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(src.calls, " ") != strings.Join(tc.calls, " ") {
				t.Errorf("source asked %v, want %v", src.calls, tc.calls)
			}
			for _, d := range src.deadlines {
				if d.Before(started.Add(4*time.Minute)) || d.After(ended.Add(4*time.Minute)) {
					t.Errorf("queries limited to %v, want 4 × the query timeout", d.Sub(started))
				}
			}
			if !rep.Hour.From.Equal(tc.hour) || rep.Day.Totals.Total.N != tc.total || !rep.Baseline.Equal(tc.baseDay) {
				t.Errorf("report of %v, day total %v, baseline %v; want %v, %v, %v", rep.Hour.From, rep.Day.Totals.Total.N, rep.Baseline, tc.hour, tc.total, tc.baseDay)
			}
		})
	}
	t.Run("source error", func(t *testing.T) {
		down := errors.New("connection refused")
		_, err := Reporter{Source: &source{err: down}, Baseline: "yesterday", QueryTimeout: time.Second}.Build(context.Background(), at(26, 2))
		if !errors.Is(err, down) || errors.As(err, new(*BaselineError)) {
			t.Fatalf("Build error %v, want the source's", err)
		}
	})
}

func TestCheckBaseline(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{{"yesterday", true}, {"none", true}, {"2026-10-30", true}, {"yesterdy", false}, {"2026-13-01", false}, {"", false}} {
		err := CheckBaseline(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("CheckBaseline(%q) = %v, want ok %v", tc.in, err, tc.ok)
		}
		if err != nil && !errors.As(err, new(*BaselineError)) {
			t.Errorf("CheckBaseline(%q) error %T, want *BaselineError", tc.in, err)
		}
	}
}
