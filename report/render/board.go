package render

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/kos-ops/kos_exporter/report/table"
)

// cell is one figure of a board line: a count, or a ratio (an error rate,
// a change against the baseline day) that may be unavailable.
type cell struct {
	count  table.Value
	ratio  float64
	ok     bool // the ratio is available
	isRate bool // a ratio, not a count
	signed bool // a change: +12%
}

func countCell(v table.Value) cell { return cell{count: v} }

func rateCell(r float64, ok bool) cell { return cell{ratio: r, ok: ok, isRate: true} }

func changeCell(r float64, ok bool) cell { return cell{ratio: r, ok: ok, isRate: true, signed: true} }

// text is the cell for people: 1,204, 1.5%, +12%; unknown or unavailable
// is a dash, never 0, NaN or Inf.
func (c cell) text() string {
	switch {
	case !c.isRate:
		return count(c.count)
	case !c.ok:
		return "—"
	case c.signed:
		return fmt.Sprintf("%+.0f%%", c.ratio*100)
	}
	return fmt.Sprintf("%.2f%%", c.ratio*100)
}

// raw is the cell for machines (CSV): a whole count or a ratio with four
// decimals; unknown or unavailable is empty.
func (c cell) raw() string {
	switch {
	case !c.isRate:
		return raw(c.count)
	case !c.ok:
		return ""
	}
	return strconv.FormatFloat(c.ratio, 'f', 4, 64)
}

// value is the cell for JSON: the number of raw, or nil (null).
func (c cell) value() any {
	if r := c.raw(); r != "" {
		return json.Number(r)
	}
	return nil
}

// boardColumn is one column of a board table after the line's name: its
// CSV and JSON key, its heading and its cell.
type boardColumn struct {
	key      string
	head     string
	baseline bool // shown only with a baseline day
	machine  bool // in CSV and JSON only
	cell     func(table.Line) cell
}

// boardColumns lists a group's columns; end is the period's end ("11:00"),
// base the baseline day ("11-25"). The change is of the group's main count.
func boardColumns(l lang, g table.Group, end, base string) []boardColumn {
	figure := func(f table.Figure, head string) boardColumn {
		return boardColumn{key: f.String(), head: head, cell: func(ln table.Line) cell { return countCell(ln.Values[f]) }}
	}
	main := g.Main()
	baseMain := boardColumn{key: "baseline_" + main.String(), baseline: true, machine: true, cell: func(ln table.Line) cell {
		return countCell(ln.Baseline[main])
	}}
	change := boardColumn{key: "change_ratio", head: fmt.Sprintf(l.versus, base), baseline: true, cell: func(ln table.Line) cell {
		return changeCell(table.Change(ln.Values[main], ln.Baseline[main]))
	}}
	switch g {
	case table.Agencies:
		return []boardColumn{
			figure(table.Calls, l.calls),
			figure(table.FailedCalls, l.failedCalls),
			{key: "error_ratio", head: l.errorRate, cell: func(ln table.Line) cell {
				return rateCell(table.Ratio(ln.Values[table.FailedCalls], ln.Values[table.Calls]))
			}},
			baseMain, change,
			{key: "baseline_error_ratio", head: fmt.Sprintf(l.baselineErrorRate, base), baseline: true, cell: func(ln table.Line) cell {
				return rateCell(table.Ratio(ln.Baseline[table.FailedCalls], ln.Baseline[table.Calls]))
			}},
		}
	case table.OTA:
		return []boardColumn{
			figure(table.OTACompleted, l.completed),
			figure(table.OTAFailed, l.failed),
			figure(table.OTAPending, fmt.Sprintf(l.pendingAt, end)),
			baseMain, change,
		}
	case table.ErrorQueue:
		return []boardColumn{
			figure(table.Reprocessed, l.reprocessed),
			figure(table.ReprocessFailed, l.reprocessFailed),
			figure(table.GivenUp, l.givenUp),
			figure(table.Backlog, fmt.Sprintf(l.backlogAt, end)),
			baseMain, change,
		}
	}
	return nil
}

// boardGrid lays out one board table for text, Markdown and HTML.
func boardGrid(l lang, rep table.Report, s table.Section, b table.Board, title string) grid {
	names := l.boards[b.Group]
	g := grid{title: title + " · " + names[0], status: b.Status, total: b.Total != nil}
	g.notes = notes(l, rep, b.Status, b.Gaps, b.BaselineStatus)
	if b.Status == table.Missing {
		return g
	}
	withBase := !rep.Baseline.IsZero()
	var cols []boardColumn
	for _, c := range boardColumns(l, b.Group, endClock(s.From, s.To), rep.Baseline.Format("01-02")) {
		if (withBase || !c.baseline) && !c.machine {
			cols = append(cols, c)
		}
	}
	g.header = []string{names[1]}
	for _, c := range cols {
		g.header = append(g.header, c.head)
	}
	add := func(ln table.Line, name string) {
		row := []string{name}
		for _, c := range cols {
			row = append(row, c.cell(ln).text())
		}
		g.rows = append(g.rows, row)
		g.top = append(g.top, false)
	}
	for _, ln := range b.Lines {
		add(ln, lineName(l, ln.Name))
	}
	if b.Total != nil {
		add(*b.Total, l.total)
	}
	return g
}

// lineName is an agency's or reason's name in l, else its label value.
func lineName(l lang, name string) string {
	if n, ok := l.lines[name]; ok {
		return n
	}
	return name
}
