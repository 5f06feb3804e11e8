package table

import (
	"slices"
	"strings"
)

// Group is a set of figures fed by the same collectors, so that a collector
// that was down makes only its own figures partial: the results table
// (activations, insurance, MNP) and the three tables of the war-room board
// (상황판) the integration and device parts share.
type Group int

const (
	Results    Group = iota // activations, insurance sign-ups, MNP requests
	Agencies                // outside-agency calls (SGI, KAIT, Mobins, NICE) and their failures
	OTA                     // USIM OTA updates
	ErrorQueue              // error-queue reprocessing and backlog
)

// BoardGroups lists the board's groups in the order a report shows them.
func BoardGroups() []Group { return []Group{Agencies, OTA, ErrorQueue} }

// String is the group's machine-readable name (CSV, JSON).
func (g Group) String() string {
	return [...]string{"results", "agencies", "ota", "error_queue"}[g]
}

// Figures lists the group's board figures.
func (g Group) Figures() []Figure {
	switch g {
	case Agencies:
		return []Figure{Calls, FailedCalls}
	case OTA:
		return []Figure{OTACompleted, OTAFailed, OTAPending}
	case ErrorQueue:
		return []Figure{Reprocessed, ReprocessFailed, GivenUp, Backlog}
	}
	return nil
}

// single reports whether the group has one line (OTA) rather than a line
// per agency or reason and a total.
func (g Group) single() bool { return g == OTA }

// Main is the group's main count, the one a change against the baseline
// day is of.
func (g Group) Main() Figure {
	switch g {
	case OTA:
		return OTACompleted
	case ErrorQueue:
		return Reprocessed
	}
	return Calls
}

// pinned lists the lines shown even when Prometheus has no series for them:
// the agencies the war-room reports on by name, and OTA's single line.
func (g Group) pinned() []string {
	switch g {
	case Agencies:
		return []string{"sgi", "kait"}
	case OTA:
		return []string{""}
	}
	return nil
}

// Figure is one number of the board, per line: an agency, an error-queue
// reason, or "" for OTA's single line.
type Figure int

const (
	Calls           Figure = iota // outside-agency calls in the period
	FailedCalls                   // of them, answered with an error code or not within KOS' 3 s limit
	OTACompleted                  // OTA USIM updates completed in the period
	OTAFailed                     // OTA USIM updates failed in the period
	OTAPending                    // OTA USIM updates waiting at the period's end
	Reprocessed                   // error-queue items reprocessed successfully in the period
	ReprocessFailed               // reprocessing attempts that failed in the period
	GivenUp                       // items whose retries ran out in the period (a person must look)
	Backlog                       // items queued at the period's end
)

// String is the figure's machine-readable name (CSV, JSON).
func (f Figure) String() string {
	return [...]string{"calls", "failed_calls", "ota_completed", "ota_failed", "ota_pending",
		"reprocessed", "reprocess_failed", "given_up", "backlog"}[f]
}

// AtEnd reports whether the figure is a level at the period's end, not a
// count over it.
func (f Figure) AtEnd() bool { return f == OTAPending || f == Backlog }

// Board is one board table of a section.
type Board struct {
	Group          Group
	Status         Status
	BaselineStatus Status
	Gaps           []Gap
	Lines          []Line // pinned lines first, then by name
	Total          *Line  // sum of the lines; nil for a group of one line (OTA)
}

// Line is one line of a board table. A figure absent from a map is unknown.
type Line struct {
	Name     string           // agency or reason; "" for OTA and totals
	Values   map[Figure]Value // in the period
	Baseline map[Figure]Value // the same period of the baseline day
}

// Ratio is num/den; false when either is unknown or den is zero (an agency
// without calls has no error rate, never NaN).
func Ratio(num, den Value) (float64, bool) {
	if !num.Known || !den.Known || den.N == 0 {
		return 0, false
	}
	return num.N / den.N, true
}

// Change is the relative change of now against base; false when either is
// unknown or base is zero.
func Change(now, base Value) (float64, bool) {
	return Ratio(Value{N: now.N - base.N, Known: now.Known}, base)
}

// board adds up a group's figures over hours, base being the same hours of
// the baseline day (nil: none). Like the results table, a figure an hour
// has no series for is zero when the group's collectors were exposed all
// hour and unknown otherwise.
func board(g Group, hours, base []Hour) Board {
	b := Board{Group: g, Status: statusOf(g, hours), BaselineStatus: Missing}
	if base != nil {
		b.BaselineStatus = statusOf(g, base)
	}
	for _, h := range hours {
		b.Gaps = append(b.Gaps, h.gaps(g)...)
	}
	if b.Status == Missing {
		return b
	}
	withBase := base != nil && b.BaselineStatus != Missing
	line := func(name string, get func(Hour, Figure) (float64, bool)) Line {
		l := Line{Name: name, Values: sums(g, hours, get), Baseline: map[Figure]Value{}}
		if withBase {
			l.Baseline = sums(g, base, get)
		}
		return l
	}
	for _, name := range lineNames(g, hours) {
		b.Lines = append(b.Lines, line(name, func(h Hour, f Figure) (float64, bool) {
			n, ok := h.Board[f][name]
			return n, ok
		}))
	}
	if !g.single() {
		total := line("", func(h Hour, f Figure) (float64, bool) {
			var sum float64
			for _, n := range h.Board[f] {
				sum += n
			}
			return sum, len(h.Board[f]) > 0
		})
		b.Total = &total
	}
	return b
}

// sums adds up each figure of g over hours (a level: its value in the last
// hour) from get, which says whether the hour has a series.
func sums(g Group, hours []Hour, get func(Hour, Figure) (float64, bool)) map[Figure]Value {
	out := map[Figure]Value{}
	for _, f := range g.Figures() {
		span := hours
		if f.AtEnd() {
			span = hours[len(hours)-1:]
		}
		var v Value
		for _, h := range span {
			if n, ok := get(h, f); ok || h.complete(g) {
				v = v.add(n)
			}
		}
		if v.Known {
			out[f] = v
		}
	}
	return out
}

// lineNames lists the pinned lines, then the others the hours have, by name.
func lineNames(g Group, hours []Hour) []string {
	names := g.pinned()
	var others []string
	for _, h := range hours {
		for _, f := range g.Figures() {
			for name := range h.Board[f] {
				if !slices.Contains(names, name) && !slices.Contains(others, name) {
					others = append(others, name)
				}
			}
		}
	}
	slices.SortFunc(others, strings.Compare)
	return append(slices.Clone(names), others...)
}
