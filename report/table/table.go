// Package table builds the hourly results table (실적표) from the hourly
// figures Prometheus holds: per model the activations of one hour and of the
// day so far by kind, insurance sign-ups, port-in and port-out, a totals row,
// the change against a baseline day and the top models.
package table

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Key names one series of completed activations.
type Key struct{ Model, Kind string }

// Hour holds one local hour's figures as Prometheus returned them, and the
// minutes in which a watched collector was not exposed.
type Hour struct {
	Start       time.Time
	Activations map[Key]float64               // completed activations by model and kind
	Insured     map[string]float64            // device-insurance sign-ups by model
	Ports       map[string]float64            // number-portability requests by direction ("in", "out")
	Board       map[Figure]map[string]float64 // war-room board figures by line (agency, reason, "")
	Gaps        []Gap
}

// Gap is a stretch of minutes in which a collector's results were not in
// Prometheus: the collector failed or was stale, or nothing was scraped.
// Group is the figures the collector feeds.
type Gap struct {
	Collector string
	Group     Group
	From, To  time.Time
	Reason    GapReason
}

// GapReason says why a collector's results were missing. The zero value is
// no reason: there was no gap.
type GapReason int

const (
	NotExposed GapReason = iota + 1 // scraped, but the collector failed or was stale
	NoData                          // not scraped: Prometheus has no sample at all
)

func (r GapReason) String() string {
	switch r {
	case NotExposed:
		return "not exposed"
	case NoData:
		return "no data"
	}
	return fmt.Sprintf("GapReason(%d)", int(r))
}

// gaps returns the hour's gaps of the collectors feeding g.
func (h Hour) gaps(g Group) []Gap {
	var out []Gap
	for _, gap := range h.Gaps {
		if gap.Group == g {
			out = append(out, gap)
		}
	}
	return out
}

// complete reports whether every watched collector feeding g was exposed
// all hour.
func (h Hour) complete(g Group) bool { return len(h.gaps(g)) == 0 }

// missing reports whether the gaps of g cover the whole hour for every
// watched collector they name, so that nothing of g's figures is known.
func (h Hour) missing(g Group) bool {
	covered := map[string]time.Duration{}
	for _, gap := range h.gaps(g) {
		covered[gap.Collector] += gap.To.Sub(gap.From)
	}
	if len(covered) == 0 {
		return false
	}
	for _, d := range covered {
		if d < time.Hour {
			return false
		}
	}
	return true
}

// Day is a run of consecutive hours from local midnight.
type Day struct {
	Start time.Time
	Hours []Hour
}

// Status says how much of a section's data Prometheus had.
type Status int

const (
	Complete Status = iota
	Partial         // some figures rest on a collector that was down or stale for a while
	Missing         // nothing is known: the table must not be read as zeros
)

func (s Status) String() string {
	return [...]string{"complete", "partial", "missing"}[s]
}

// Value is a count that may be unknown. Unknown is not zero.
type Value struct {
	N     float64
	Known bool
}

func known(n float64) Value { return Value{N: n, Known: true} }

func (v Value) add(n float64) Value { return Value{N: v.N + n, Known: true} }

// Row is one model's line, or the totals line.
type Row struct {
	Model    string
	ByKind   []Value // aligned with Report.Kinds
	Total    Value
	Insured  Value
	Baseline Value // Total of the same period on the baseline day
	Top      int   // rank among the top models, 0 when not among them
}

// Change is the relative change of Total against Baseline; false when either
// is unknown or the baseline is zero.
func (r Row) Change() (float64, bool) { return Change(r.Total, r.Baseline) }

// Section is the tables of one period: the report hour, or the day so far.
// Status, Gaps and BaselineStatus are the results table's; each board table
// has its own.
type Section struct {
	From, To       time.Time
	Status         Status
	Gaps           []Gap
	BaselineStatus Status
	Rows           []Row // by Total, largest first
	Totals         Row
	PortIn         Value
	PortOut        Value
	Boards         []Board // in BoardGroups order; none when Prometheus could not be asked
}

// Report is everything a rendering shows.
type Report struct {
	Zone     *time.Location
	Kinds    []string
	Hour     Section
	Day      Section
	Baseline time.Time // midnight of the baseline day; zero when there is none
	Err      error     // why the report is Missing, when Prometheus could not answer
}

// Unavailable is the report of an hour Prometheus could not be asked about.
func Unavailable(hourStart time.Time, err error) Report {
	day := Midnight(hourStart)
	end := hourStart.Add(time.Hour)
	return Report{
		Zone: hourStart.Location(),
		Hour: Section{From: hourStart, To: end, Status: Missing, BaselineStatus: Missing},
		Day:  Section{From: day, To: end, Status: Missing, BaselineStatus: Missing},
		Err:  err,
	}
}

// Build makes the report of today's last hour. baseline, when not nil, holds
// the same hours of the baseline day. top is how many models to highlight.
func Build(today Day, baseline *Day, top int) (Report, error) {
	if len(today.Hours) == 0 {
		return Report{}, fmt.Errorf("no hours to report")
	}
	if baseline != nil && len(baseline.Hours) != len(today.Hours) {
		return Report{}, fmt.Errorf("baseline has %d hours, report day %d", len(baseline.Hours), len(today.Hours))
	}
	last := len(today.Hours) - 1
	kinds := kindsOf(today.Hours)
	var baseHour, baseDay []Hour
	if baseline != nil {
		baseHour, baseDay = baseline.Hours[last:], baseline.Hours
	}
	hourStart := today.Hours[last].Start
	rep := Report{
		Zone:  hourStart.Location(),
		Kinds: kinds,
		Hour:  section(hourStart, today.Hours[last:], baseHour, kinds, top),
		Day:   section(today.Start, today.Hours, baseDay, kinds, top),
	}
	if baseline != nil {
		rep.Baseline = baseline.Start
	}
	return rep, nil
}

// section adds up hours. An hour that is not complete contributes only the
// figures it has; an empty answer for such an hour is unknown, not zero.
func section(from time.Time, hours, base []Hour, kinds []string, top int) Section {
	s := Section{From: from, To: hours[len(hours)-1].Start.Add(time.Hour), Status: statusOf(Results, hours), BaselineStatus: Missing}
	if base != nil {
		s.BaselineStatus = statusOf(Results, base)
	}
	for _, h := range hours {
		s.Gaps = append(s.Gaps, h.gaps(Results)...)
	}
	for _, g := range BoardGroups() {
		s.Boards = append(s.Boards, board(g, hours, base))
	}
	if s.Status == Missing {
		return s
	}
	rows := map[string]*Row{}
	row := func(model string) *Row {
		r, ok := rows[model]
		if !ok {
			r = &Row{Model: model, ByKind: make([]Value, len(kinds))}
			rows[model] = r
		}
		return r
	}
	for _, h := range hours {
		trusted := h.complete(Results)
		for k, n := range h.Activations {
			r := row(k.Model)
			i := slices.Index(kinds, k.Kind)
			r.ByKind[i] = r.ByKind[i].add(n)
			r.Total = r.Total.add(n)
		}
		for model, n := range h.Insured {
			r := row(model)
			r.Insured = r.Insured.add(n)
		}
		if n, ok := h.Ports["in"]; ok || trusted {
			s.PortIn = s.PortIn.add(n)
		}
		if n, ok := h.Ports["out"]; ok || trusted {
			s.PortOut = s.PortOut.add(n)
		}
	}
	baseTotals := map[string]float64{}
	for _, h := range base {
		if h.missing(Results) {
			continue
		}
		for k, n := range h.Activations {
			baseTotals[k.Model] += n
		}
	}
	complete := s.Status == Complete
	// Insured is unknown in an incomplete hour until some model's is known.
	s.Totals = Row{Model: "", ByKind: make([]Value, len(kinds)), Total: known(0), Insured: Value{Known: complete}}
	for _, r := range rows {
		for i := range r.ByKind {
			if !r.ByKind[i].Known && complete {
				r.ByKind[i] = known(0) // a complete hour without the series had none
			}
		}
		if !r.Insured.Known && complete {
			r.Insured = known(0)
		}
		if base != nil && s.BaselineStatus != Missing {
			r.Baseline = known(baseTotals[r.Model])
		}
		s.Rows = append(s.Rows, *r)
	}
	slices.SortFunc(s.Rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(b.Total.N, a.Total.N), cmp.Compare(a.Model, b.Model))
	})
	for i := range s.Rows {
		if i < top && s.Rows[i].Total.N > 0 {
			s.Rows[i].Top = i + 1
		}
		r := s.Rows[i]
		for k, v := range r.ByKind {
			if v.Known {
				s.Totals.ByKind[k] = s.Totals.ByKind[k].add(v.N)
			} else if complete {
				s.Totals.ByKind[k] = known(0)
			}
		}
		s.Totals.Total = s.Totals.Total.add(r.Total.N)
		if r.Insured.Known {
			s.Totals.Insured = s.Totals.Insured.add(r.Insured.N)
		}
	}
	for k := range s.Totals.ByKind {
		if !s.Totals.ByKind[k].Known && complete {
			s.Totals.ByKind[k] = known(0)
		}
	}
	if base != nil && s.BaselineStatus != Missing {
		var sum float64
		for _, n := range baseTotals {
			sum += n
		}
		s.Totals.Baseline = known(sum)
	}
	return s
}

// statusOf is how much of g's figures the hours have.
func statusOf(g Group, hours []Hour) Status {
	missing := 0
	st := Complete
	for _, h := range hours {
		switch {
		case h.missing(g):
			missing++
			st = Partial
		case !h.complete(g):
			st = Partial
		}
	}
	if missing == len(hours) {
		return Missing
	}
	return st
}

// kindsOf lists the kinds in the data, the most frequent of the day first,
// so a new kind shows up without a code change.
func kindsOf(hours []Hour) []string {
	sums := map[string]float64{}
	for _, h := range hours {
		for k, n := range h.Activations {
			sums[k.Kind] += n
		}
	}
	kinds := make([]string, 0, len(sums))
	for k := range sums {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(a, b string) int {
		return cmp.Or(cmp.Compare(sums[b], sums[a]), cmp.Compare(a, b))
	})
	return kinds
}

// Midnight is the start of t's day in t's location.
func Midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// Round is a count as a whole number; increase() may extrapolate fractions.
func Round(n float64) int64 { return int64(math.Round(n)) }
