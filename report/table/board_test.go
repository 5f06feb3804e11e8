package table

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// dumpBoard writes a board as one line per table line: name, the group's
// figures, "|", their baseline ("?" unknown); the total is named "TOTAL".
func dumpBoard(b Board) []string {
	v := func(x Value, ok bool) string {
		if !ok || !x.Known {
			return "?"
		}
		return fmt.Sprint(x.N)
	}
	line := func(l Line, name string) string {
		f := []string{name}
		for _, fig := range b.Group.Figures() {
			x, ok := l.Values[fig]
			f = append(f, v(x, ok))
		}
		f = append(f, "|")
		for _, fig := range b.Group.Figures() {
			x, ok := l.Baseline[fig]
			f = append(f, v(x, ok))
		}
		return strings.Join(f, " ")
	}
	var out []string
	for _, l := range b.Lines {
		out = append(out, line(l, l.Name))
	}
	if b.Total != nil {
		out = append(out, line(*b.Total, "TOTAL"))
	}
	return out
}

func TestBoards(t *testing.T) {
	midnight, yesterday := at(0, 0), at(0, 0).AddDate(0, 0, -1)
	// full: every board collector exposed all hour. KAIT has no series at
	// all (no calls), Mobins no failed-call series: both are zero.
	full := Hour{Board: map[Figure]map[string]float64{
		Calls:        {"sgi": 100, "mobins": 50},
		FailedCalls:  {"sgi": 2},
		OTACompleted: {"": 30}, OTAFailed: {"": 1}, OTAPending: {"": 4},
		Reprocessed: {"ota": 5}, ReprocessFailed: {"ota": 1}, Backlog: {"sgi_guarantee": 3},
	}}
	// agencyGap: agency_calls down ten minutes; only SGI's calls came back.
	agencyGap := Hour{
		Board: map[Figure]map[string]float64{
			Calls:        {"sgi": 40},
			OTACompleted: {"": 10}, OTAFailed: {"": 0}, OTAPending: {"": 2},
		},
		Gaps: []Gap{{Collector: "agency_calls", Group: Agencies, From: at(1, 10), To: at(1, 20), Reason: NotExposed}},
	}
	// queueDown: the error-queue collectors not scraped all hour, the
	// results table complete.
	queueDown := Hour{
		Board: map[Figure]map[string]float64{Calls: {"sgi": 10, "kait": 20}, FailedCalls: {"kait": 20}},
		Gaps: []Gap{
			{Collector: "error_queue", Group: ErrorQueue, From: at(1, 0), To: at(2, 0), Reason: NoData},
			{Collector: "error_queue_flow", Group: ErrorQueue, From: at(1, 0), To: at(2, 0), Reason: NoData},
		},
	}
	base := Hour{Board: map[Figure]map[string]float64{Calls: {"sgi": 80}, FailedCalls: {"sgi": 8}, OTACompleted: {"": 15}, Reprocessed: {"ota": 10}}}
	for _, tc := range []struct {
		name     string
		today    Day
		baseline *Day
		status   map[Group][2]Status // hour, day
		hour     map[Group][]string
		day      map[Group][]string // nil: the day is the hour
	}{
		{
			name:   "complete hour: pinned agencies and absent series are zero, no rate without calls",
			today:  day(midnight, full),
			status: map[Group][2]Status{},
			hour: map[Group][]string{
				Agencies: {"sgi 100 2 | ? ?", "kait 0 0 | ? ?", "mobins 50 0 | ? ?", "TOTAL 150 2 | ? ?"},
				OTA:      {" 30 1 4 | ? ? ?"},
				ErrorQueue: {
					"ota 5 1 0 0 | ? ? ? ?", "sgi_guarantee 0 0 0 3 | ? ? ? ?",
					"TOTAL 5 1 0 3 | ? ? ? ?",
				},
			},
		},
		{
			name:   "an agency collector gap: unknown where the series is absent, other groups untouched",
			today:  day(midnight, full, agencyGap),
			status: map[Group][2]Status{Agencies: {Partial, Partial}},
			hour: map[Group][]string{
				Agencies:   {"sgi 40 ? | ? ?", "kait ? ? | ? ?", "TOTAL 40 ? | ? ?"},
				OTA:        {" 10 0 2 | ? ? ?"},
				ErrorQueue: {"TOTAL 0 0 0 0 | ? ? ? ?"}, // exposed all hour and nothing queued
			},
			day: map[Group][]string{
				Agencies: {"sgi 140 2 | ? ?", "kait 0 0 | ? ?", "mobins 50 0 | ? ?", "TOTAL 190 2 | ? ?"},
				OTA:      {" 40 1 2 | ? ? ?"}, // pending: at the day's end, not summed
				ErrorQueue: {
					"ota 5 1 0 0 | ? ? ? ?", "sgi_guarantee 0 0 0 0 | ? ? ? ?", // backlog gone by 02:00
					"TOTAL 5 1 0 0 | ? ? ? ?",
				},
			},
		},
		{
			name:   "a group not scraped all hour is missing; the day keeps its good hours, levels unknown",
			today:  day(midnight, full, queueDown),
			status: map[Group][2]Status{ErrorQueue: {Missing, Partial}},
			hour: map[Group][]string{
				Agencies:   {"sgi 10 0 | ? ?", "kait 20 20 | ? ?", "TOTAL 30 20 | ? ?"},
				OTA:        {" 0 0 0 | ? ? ?"},
				ErrorQueue: nil,
			},
			day: map[Group][]string{
				Agencies: {"sgi 110 2 | ? ?", "kait 20 20 | ? ?", "mobins 50 0 | ? ?", "TOTAL 180 22 | ? ?"},
				OTA:      {" 30 1 0 | ? ? ?"},
				ErrorQueue: {
					"ota 5 1 0 ? | ? ? ? ?", "sgi_guarantee 0 0 0 ? | ? ? ? ?",
					"TOTAL 5 1 0 ? | ? ? ? ?",
				},
			},
		},
		{
			name:     "baseline: the same hours; lines only the baseline has are not shown",
			today:    day(midnight, full),
			baseline: ptr(day(yesterday, Hour{Board: map[Figure]map[string]float64{Calls: {"sgi": 80, "nice": 7}, FailedCalls: {"sgi": 8}, OTACompleted: {"": 15}, Reprocessed: {"ota": 10}}})),
			status:   map[Group][2]Status{},
			hour: map[Group][]string{
				Agencies: {"sgi 100 2 | 80 8", "kait 0 0 | 0 0", "mobins 50 0 | 0 0", "TOTAL 150 2 | 87 8"},
				OTA:      {" 30 1 4 | 15 0 0"},
				ErrorQueue: {
					"ota 5 1 0 0 | 10 0 0 0", "sgi_guarantee 0 0 0 3 | 0 0 0 0",
					"TOTAL 5 1 0 3 | 10 0 0 0",
				},
			},
		},
		{
			name:     "missing baseline hour: no baseline figures",
			today:    day(midnight, full),
			baseline: ptr(day(yesterday, Hour{Gaps: []Gap{{Collector: "ota_flow", Group: OTA, From: yesterday, To: yesterday.Add(time.Hour), Reason: NoData}}, Board: base.Board})),
			status:   map[Group][2]Status{},
			hour: map[Group][]string{
				Agencies: {"sgi 100 2 | 80 8", "kait 0 0 | 0 0", "mobins 50 0 | 0 0", "TOTAL 150 2 | 80 8"},
				OTA:      {" 30 1 4 | ? ? ?"},
				ErrorQueue: {
					"ota 5 1 0 0 | 10 0 0 0", "sgi_guarantee 0 0 0 3 | 0 0 0 0",
					"TOTAL 5 1 0 3 | 10 0 0 0",
				},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Build(tc.today, tc.baseline, 3)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Hour.Status != Complete {
				t.Errorf("results status %v: board gaps must not touch the results table", rep.Hour.Status)
			}
			for i, s := range []Section{rep.Hour, rep.Day} {
				want := tc.hour
				if i == 1 && tc.day != nil {
					want = tc.day
				}
				var groups []Group
				for _, b := range s.Boards {
					groups = append(groups, b.Group)
					if st := tc.status[b.Group][i]; b.Status != st {
						t.Errorf("section %d %v: status %v, want %v", i, b.Group, b.Status, st)
					}
					if got := dumpBoard(b); !slices.Equal(got, want[b.Group]) {
						t.Errorf("section %d %v:\n got %q\nwant %q", i, b.Group, got, want[b.Group])
					}
					for _, g := range b.Gaps {
						if g.Group != b.Group {
							t.Errorf("%v board shows a gap of %v", b.Group, g.Group)
						}
					}
				}
				if !slices.Equal(groups, BoardGroups()) {
					t.Errorf("section %d boards %v, want %v", i, groups, BoardGroups())
				}
			}
		})
	}
	t.Run("unavailable report has no boards", func(t *testing.T) {
		if rep := Unavailable(at(10, 0), fmt.Errorf("down")); rep.Hour.Boards != nil || rep.Day.Boards != nil {
			t.Errorf("boards %v / %v", rep.Hour.Boards, rep.Day.Boards)
		}
	})
}

func TestRatioAndChange(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fn       func(a, b Value) (float64, bool)
		a, b     Value
		want     float64
		wantOK   bool
		fnString string
	}{
		{"error rate", Ratio, known(3), known(200), 0.015, true, "Ratio"},
		{"no calls: no rate", Ratio, known(0), known(0), 0, false, "Ratio"},
		{"unknown calls", Ratio, known(1), Value{}, 0, false, "Ratio"},
		{"unknown errors", Ratio, Value{}, known(5), 0, false, "Ratio"},
		{"up a quarter", Change, known(5), known(4), 0.25, true, "Change"},
		{"zero baseline", Change, known(5), known(0), 0, false, "Change"},
		{"unknown now", Change, Value{}, known(4), 0, false, "Change"},
		{"unknown baseline", Change, known(4), Value{}, 0, false, "Change"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.fn(tc.a, tc.b)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("%s(%v, %v) = %v, %v; want %v, %v", tc.fnString, tc.a, tc.b, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}
