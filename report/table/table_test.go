package table

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var kst = time.FixedZone("KST", 9*3600)

func at(h, m int) time.Time { return time.Date(2026, 11, 26, h, m, 0, 0, kst) }

func gap(collector string, from, to time.Time) Gap {
	return Gap{Collector: collector, From: from, To: to, Reason: NotExposed}
}

// day makes a Day of consecutive hours from start.
func day(start time.Time, hours ...Hour) Day {
	for i := range hours {
		hours[i].Start = start.Add(time.Duration(i) * time.Hour)
	}
	return Day{Start: start, Hours: hours}
}

// dump writes a section as one line per row: model kinds... total insured
// baseline top; "?" is unknown.
func dump(s Section) []string {
	v := func(x Value) string {
		if !x.Known {
			return "?"
		}
		return fmt.Sprint(x.N)
	}
	line := func(r Row) string {
		f := []string{r.Model}
		for _, k := range r.ByKind {
			f = append(f, v(k))
		}
		f = append(f, v(r.Total), v(r.Insured), v(r.Baseline), fmt.Sprint(r.Top))
		return strings.Join(f, " ")
	}
	var out []string
	for _, r := range s.Rows {
		out = append(out, line(r))
	}
	out = append(out, line(s.Totals), "ports "+v(s.PortIn)+" "+v(s.PortOut))
	return out
}

func TestBuild(t *testing.T) {
	midnight, yesterday := at(0, 0), at(0, 0).AddDate(0, 0, -1)
	full := Hour{
		Activations: map[Key]float64{{"nova_x", "new"}: 5, {"nova_x", "port_in"}: 1, {"fold_z", "new"}: 7, {"tab_s", "device_change"}: 0},
		Insured:     map[string]float64{"nova_x": 2},
		Ports:       map[string]float64{"in": 3},
	}
	partial := Hour{
		Activations: map[Key]float64{{"nova_x", "new"}: 4},
		Ports:       map[string]float64{"out": 2},
		Gaps:        []Gap{gap("mnp", at(1, 10), at(1, 20))},
	}
	missing := Hour{Gaps: []Gap{
		{Collector: "activations", From: at(1, 0), To: at(2, 0), Reason: NoData},
		{Collector: "mnp", From: at(1, 0), To: at(2, 0), Reason: NoData},
	}}
	base := Hour{Activations: map[Key]float64{{"nova_x", "new"}: 4, {"gone", "new"}: 10}}
	for _, tc := range []struct {
		name       string
		today      Day
		baseline   *Day
		top        int
		kinds      []string
		status     [2]Status // hour, day
		baseStatus [2]Status
		hour, day  []string // dump of the sections; nil for a missing one
	}{
		{
			name:  "complete hour: absent series are zero, rows by total, top skips zeros",
			today: day(midnight, full), top: 5,
			kinds:      []string{"new", "port_in", "device_change"},
			baseStatus: [2]Status{Missing, Missing},
			hour: []string{
				"fold_z 7 0 0 7 0 ? 1",
				"nova_x 5 1 0 6 2 ? 2",
				"tab_s 0 0 0 0 0 ? 0",
				" 12 1 0 13 2 ? 0",
				"ports 3 0",
			},
		},
		{
			name:  "partial hour: what is absent is unknown, not zero",
			today: day(midnight, full, partial), top: 1,
			kinds:      []string{"new", "port_in", "device_change"},
			status:     [2]Status{Partial, Partial},
			baseStatus: [2]Status{Missing, Missing},
			hour: []string{
				"nova_x 4 ? ? 4 ? ? 1",
				" 4 ? ? 4 ? ? 0",
				"ports ? 2",
			},
			day: []string{
				"nova_x 9 1 ? 10 2 ? 1",
				"fold_z 7 ? ? 7 ? ? 0",
				"tab_s ? ? 0 0 ? ? 0",
				" 16 1 0 17 2 ? 0",
				"ports 3 2",
			},
		},
		{
			name:  "missing hour: no figures; the day keeps the hours it has",
			today: day(midnight, full, missing), top: 0,
			kinds:      []string{"new", "port_in", "device_change"},
			status:     [2]Status{Missing, Partial},
			baseStatus: [2]Status{Missing, Missing},
			day: []string{
				"fold_z 7 ? ? 7 ? ? 0",
				"nova_x 5 1 ? 6 2 ? 0",
				"tab_s ? ? 0 0 ? ? 0",
				" 12 1 0 13 2 ? 0",
				"ports 3 0", // out: the complete hour had none, the missing one adds nothing
			},
		},
		{
			name:  "baseline: totals of the same hours, missing baseline hours left out",
			today: day(midnight, full, full), baseline: ptr(day(yesterday, missing, base)), top: 1,
			kinds:      []string{"new", "port_in", "device_change"},
			baseStatus: [2]Status{Complete, Partial},
			hour: []string{
				"fold_z 7 0 0 7 0 0 1",
				"nova_x 5 1 0 6 2 4 0",
				"tab_s 0 0 0 0 0 0 0",
				" 12 1 0 13 2 14 0",
				"ports 3 0",
			},
			day: []string{
				"fold_z 14 0 0 14 0 0 1",
				"nova_x 10 2 0 12 4 4 0",
				"tab_s 0 0 0 0 0 0 0",
				" 24 2 0 26 4 14 0",
				"ports 6 0",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Build(tc.today, tc.baseline, tc.top)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rep.Kinds, tc.kinds) {
				t.Errorf("kinds %v, want %v", rep.Kinds, tc.kinds)
			}
			for i, s := range []Section{rep.Hour, rep.Day} {
				if s.Status != tc.status[i] || s.BaselineStatus != tc.baseStatus[i] {
					t.Errorf("section %d: status %v, baseline %v; want %v, %v", i, s.Status, s.BaselineStatus, tc.status[i], tc.baseStatus[i])
				}
			}
			for _, c := range []struct {
				s    Section
				want []string
			}{{rep.Hour, tc.hour}, {rep.Day, tc.day}} {
				if c.s.Status == Missing {
					if c.s.Rows != nil || c.s.Totals.Total.Known {
						t.Errorf("missing section has figures: %v", dump(c.s))
					}
					continue
				}
				want := c.want
				if want == nil { // one-hour day: the day is the hour
					want = tc.hour
				}
				if got := dump(c.s); !slices.Equal(got, want) {
					t.Errorf("section %s–%s:\n got %q\nwant %q", c.s.From.Format("15:04"), c.s.To.Format("15:04"), got, want)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestBuildSpansAndGaps(t *testing.T) {
	g := gap("mnp", at(1, 10), at(1, 20))
	rep, err := Build(day(at(0, 0), Hour{}, Hour{Gaps: []Gap{g}}), nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Hour.From.Equal(at(1, 0)) || !rep.Hour.To.Equal(at(2, 0)) || !rep.Day.From.Equal(at(0, 0)) || !rep.Day.To.Equal(at(2, 0)) {
		t.Errorf("hour %v–%v, day %v–%v", rep.Hour.From, rep.Hour.To, rep.Day.From, rep.Day.To)
	}
	if !slices.Equal(rep.Hour.Gaps, []Gap{g}) || !slices.Equal(rep.Day.Gaps, []Gap{g}) || rep.Zone != kst {
		t.Errorf("gaps %v / %v, zone %v", rep.Hour.Gaps, rep.Day.Gaps, rep.Zone)
	}
}

func TestBuildErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		today    Day
		baseline *Day
		want     string
	}{
		{"no hours", Day{Start: at(0, 0)}, nil, "no hours to report"},
		{"baseline of other length", day(at(0, 0), Hour{}, Hour{}), ptr(day(at(0, 0).AddDate(0, 0, -1), Hour{})), "baseline has 1 hours, report day 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Build(tc.today, tc.baseline, 3); err == nil || err.Error() != tc.want {
				t.Errorf("Build error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestHourMissing(t *testing.T) {
	for _, tc := range []struct {
		name              string
		gaps              []Gap
		complete, missing bool
	}{
		{"no gaps", nil, true, false},
		{"part of the hour", []Gap{gap("mnp", at(1, 0), at(1, 30))}, false, false},
		{"whole hour in two pieces", []Gap{gap("mnp", at(1, 0), at(1, 30)), {Collector: "mnp", From: at(1, 30), To: at(2, 0), Reason: NoData}}, false, true},
		{"one collector all hour, another briefly", []Gap{gap("mnp", at(1, 0), at(2, 0)), gap("activations", at(1, 0), at(1, 5))}, false, false},
		{"a board collector all hour: the results are complete", []Gap{{Collector: "ota", Group: OTA, From: at(1, 0), To: at(2, 0), Reason: NoData}}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := Hour{Start: at(1, 0), Gaps: tc.gaps}
			if h.complete(Results) != tc.complete || h.missing(Results) != tc.missing {
				t.Errorf("complete %v, missing %v; want %v, %v", h.complete(Results), h.missing(Results), tc.complete, tc.missing)
			}
		})
	}
}

func TestChange(t *testing.T) {
	for _, tc := range []struct {
		name      string
		row       Row
		want      float64
		available bool
	}{
		{"up a quarter", Row{Total: known(5), Baseline: known(4)}, 0.25, true},
		{"down", Row{Total: known(2), Baseline: known(4)}, -0.5, true},
		{"zero baseline", Row{Total: known(2), Baseline: known(0)}, 0, false},
		{"unknown baseline", Row{Total: known(2)}, 0, false},
		{"unknown total", Row{Baseline: known(2)}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.row.Change()
			if got != tc.want || ok != tc.available {
				t.Errorf("Change = %v, %v; want %v, %v", got, ok, tc.want, tc.available)
			}
		})
	}
}

func TestUnavailable(t *testing.T) {
	down := errors.New("unreachable")
	rep := Unavailable(at(10, 0), down)
	if rep.Hour.Status != Missing || rep.Day.Status != Missing || rep.Hour.BaselineStatus != Missing || rep.Day.BaselineStatus != Missing {
		t.Errorf("statuses %v %v %v %v, want all missing", rep.Hour.Status, rep.Day.Status, rep.Hour.BaselineStatus, rep.Day.BaselineStatus)
	}
	if !rep.Hour.From.Equal(at(10, 0)) || !rep.Hour.To.Equal(at(11, 0)) || !rep.Day.From.Equal(at(0, 0)) || !rep.Day.To.Equal(at(11, 0)) {
		t.Errorf("hour %v–%v, day %v–%v", rep.Hour.From, rep.Hour.To, rep.Day.From, rep.Day.To)
	}
	if rep.Err != down || rep.Zone != kst {
		t.Errorf("err %v, zone %v", rep.Err, rep.Zone)
	}
}

func TestSmallHelpers(t *testing.T) {
	// 00:30 KST is 15:30 UTC the day before: midnight is the local one.
	if got := Midnight(time.Date(2026, 11, 25, 15, 30, 0, 0, time.UTC).In(kst)); !got.Equal(at(0, 0)) {
		t.Errorf("Midnight = %v, want the local day's start", got)
	}
	for in, want := range map[float64]int64{2.5: 3, 2.49: 2, 0.4: 0, 11.999: 12} {
		if got := Round(in); got != want {
			t.Errorf("Round(%v) = %d, want %d", in, got, want)
		}
	}
	for r, want := range map[GapReason]string{NotExposed: "not exposed", NoData: "no data", 0: "GapReason(0)"} {
		if r.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(r), r.String(), want)
		}
	}
	for s, want := range map[Status]string{Complete: "complete", Partial: "partial", Missing: "missing"} {
		if s.String() != want {
			t.Errorf("Status %d = %q, want %q", int(s), s.String(), want)
		}
	}
}
