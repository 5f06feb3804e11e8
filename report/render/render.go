// Package render writes a results table and the war-room board as text for
// a terminal, Markdown for a messenger, CSV for a spreadsheet, JSON for a
// program or a self-contained HTML page, with Korean or English headings
// (CSV and JSON keys stay English).
package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kos-ops/kos_exporter/report/table"
)

// Formats lists the output formats by flag value.
func Formats() []string { return []string{"text", "markdown", "csv", "html", "json"} }

// Langs lists the heading languages by flag value, the war-room's first.
func Langs() []string { return []string{"ko", "en"} }

// Render writes rep in format (one of Formats) with the headings of lang
// (one of Langs).
func Render(w io.Writer, format, lang string, rep table.Report) error {
	l, ok := labelsFor(lang)
	if !ok {
		return fmt.Errorf("unknown language %q (want one of %s)", lang, strings.Join(Langs(), ", "))
	}
	var err error
	switch format {
	case "text":
		err = text(w, l, rep)
	case "markdown":
		err = markdown(w, l, rep)
	case "csv":
		err = csvTable(w, rep)
	case "html":
		err = html(w, l, rep)
	case "json":
		err = jsonDoc(w, rep)
	default:
		return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats(), ", "))
	}
	if err != nil {
		return fmt.Errorf("rendering %s: %w", format, err)
	}
	return nil
}

// grid is a table as rows of strings, shared by text, Markdown and HTML.
type grid struct {
	title  string
	status table.Status
	notes  []string // what is partial or missing, and why
	header []string
	rows   [][]string
	top    []bool // row is a top model
	total  bool   // the last row is a total
	ports  string // the MNP line, if any
}

// notes says what of a table is partial or missing, and why.
func notes(l lang, rep table.Report, st table.Status, gaps []table.Gap, baseline table.Status) []string {
	var out []string
	switch st {
	case table.Missing:
		if rep.Err != nil {
			out = append(out, fmt.Sprintf("%s: %v", l.missing, rep.Err))
		} else {
			out = append(out, l.missing)
		}
	case table.Partial:
		out = append(out, l.partial)
	}
	for _, gap := range gaps {
		out = append(out, fmt.Sprintf("%s %s: %s %s", l.collector, gap.Collector, l.reason(gap.Reason), span(gap.From, gap.To)))
	}
	if !rep.Baseline.IsZero() && baseline == table.Partial {
		out = append(out, l.baselinePartial)
	}
	return out
}

// The leading columns of a grid row: model, kinds..., total, insured, change.
func sectionGrid(l lang, rep table.Report, s table.Section, title string) grid {
	g := grid{title: title, status: s.Status, total: true}
	g.notes = notes(l, rep, s.Status, s.Gaps, s.BaselineStatus)
	if s.Status == table.Missing {
		return g
	}
	g.header = append([]string{l.model}, kindNames(l, rep.Kinds)...)
	g.header = append(g.header, l.total, l.insured)
	if !rep.Baseline.IsZero() {
		g.header = append(g.header, fmt.Sprintf(l.versus, rep.Baseline.Format("01-02")))
	}
	add := func(r table.Row, name string) {
		row := []string{name}
		for _, v := range r.ByKind {
			row = append(row, count(v))
		}
		row = append(row, count(r.Total), count(r.Insured))
		if !rep.Baseline.IsZero() {
			row = append(row, change(r))
		}
		g.rows = append(g.rows, row)
		g.top = append(g.top, r.Top > 0)
	}
	for _, r := range s.Rows {
		add(r, r.Model)
	}
	add(s.Totals, l.total)
	g.ports = fmt.Sprintf("%s: %s %s · %s %s", l.mnp, l.portIn, count(s.PortIn), l.portOut, count(s.PortOut))
	return g
}

// grids lays out each section: the results table, then the board's.
func grids(l lang, rep table.Report) []grid {
	var out []grid
	for _, s := range []struct {
		sec  table.Section
		name string
	}{{rep.Hour, l.hour}, {rep.Day, l.day}} {
		title := fmt.Sprintf("%s %s", s.name, span(s.sec.From, s.sec.To))
		out = append(out, sectionGrid(l, rep, s.sec, title))
		for _, b := range s.sec.Boards {
			out = append(out, boardGrid(l, rep, s.sec, b, title))
		}
	}
	return out
}

// hasTable reports whether any section has figures (and so a legend).
func hasTable(l lang, rep table.Report) bool {
	for _, g := range grids(l, rep) {
		if g.header != nil {
			return true
		}
	}
	return false
}

func heading(l lang, rep table.Report) string {
	h := rep.Hour.From
	return fmt.Sprintf("%s · %s %s (%s)", l.title, h.Format("2006-01-02"), span(h, rep.Hour.To), zoneName(rep.Zone, h))
}

func zoneName(loc *time.Location, t time.Time) string {
	abbr, _ := t.In(loc).Zone()
	if abbr == loc.String() {
		return abbr
	}
	return loc.String() + ", " + abbr
}

// span is "10:00–11:00".
func span(from, to time.Time) string { return from.Format("15:04") + "–" + endClock(from, to) }

// endClock is the end of a period: "11:00"; an end at midnight is 24:00.
func endClock(from, to time.Time) string {
	end := to.Format("15:04")
	if end == "00:00" && !to.Equal(from) {
		end = "24:00"
	}
	return end
}

func kindNames(l lang, kinds []string) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		if n, ok := l.kinds[k]; ok {
			out[i] = n
		} else {
			out[i] = k
		}
	}
	return out
}

// count writes 12,345; an unknown value is a dash, never 0.
func count(v table.Value) string {
	if !v.Known {
		return "—"
	}
	return thousands(table.Round(v.N))
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func change(r table.Row) string { return changeCell(r.Change()).text() }
