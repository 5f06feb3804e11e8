package render

import (
	"encoding/json"
	"io"
	"time"

	"github.com/kos-ops/kos_exporter/report/table"
)

// jsonReport is the --format json document for machines: English keys
// whatever --lang, raw numbers, RFC 3339 times, null where a value is
// unknown (never 0) or a ratio unavailable.
type jsonReport struct {
	From        string        `json:"from"`
	To          string        `json:"to"`
	Zone        string        `json:"zone"`
	BaselineDay *string       `json:"baseline_day"`
	Error       *string       `json:"error"`
	Kinds       []string      `json:"kinds"`
	Sections    []jsonSection `json:"sections"`
}

type jsonSection struct {
	Period          string      `json:"period"`
	From            string      `json:"from"`
	To              string      `json:"to"`
	Status          string      `json:"status"`
	BaselineStatus  string      `json:"baseline_status"`
	Gaps            []jsonGap   `json:"gaps"`
	Models          []jsonModel `json:"models"`
	Totals          *jsonModel  `json:"totals"`
	PortInRequests  any         `json:"port_in_requests"`
	PortOutRequests any         `json:"port_out_requests"`
	Boards          []jsonBoard `json:"boards"`
}

type jsonGap struct {
	Collector string `json:"collector"`
	From      string `json:"from"`
	To        string `json:"to"`
	Reason    string `json:"reason"`
}

type jsonModel struct {
	Model         string         `json:"model"`
	ByKind        map[string]any `json:"by_kind"`
	Total         any            `json:"total"`
	Insured       any            `json:"insured"`
	BaselineTotal any            `json:"baseline_total"`
	ChangeRatio   any            `json:"change_ratio"`
	Top           int            `json:"top"`
}

// jsonBoard's lines have "name" and the keys of its CSV columns.
type jsonBoard struct {
	Table          string           `json:"table"`
	Status         string           `json:"status"`
	BaselineStatus string           `json:"baseline_status"`
	Gaps           []jsonGap        `json:"gaps"`
	Lines          []map[string]any `json:"lines"`
	Total          map[string]any   `json:"total"`
}

func jsonDoc(w io.Writer, rep table.Report) error {
	doc := jsonReport{
		From: rep.Hour.From.Format(time.RFC3339), To: rep.Hour.To.Format(time.RFC3339),
		Zone: rep.Zone.String(), Kinds: rep.Kinds, Sections: []jsonSection{},
	}
	if doc.Kinds == nil {
		doc.Kinds = []string{}
	}
	if !rep.Baseline.IsZero() {
		d := rep.Baseline.Format("2006-01-02")
		doc.BaselineDay = &d
	}
	if rep.Err != nil {
		e := rep.Err.Error()
		doc.Error = &e
	}
	for _, s := range []struct {
		name string
		sec  table.Section
	}{{"hour", rep.Hour}, {"day", rep.Day}} {
		js := jsonSection{
			Period: s.name, From: s.sec.From.Format(time.RFC3339), To: s.sec.To.Format(time.RFC3339),
			Status: s.sec.Status.String(), BaselineStatus: s.sec.BaselineStatus.String(),
			Gaps: jsonGaps(s.sec.Gaps), Models: []jsonModel{}, Boards: []jsonBoard{},
		}
		if s.sec.Status != table.Missing {
			for _, r := range s.sec.Rows {
				js.Models = append(js.Models, jsonRow(rep.Kinds, r, r.Model))
			}
			t := jsonRow(rep.Kinds, s.sec.Totals, "TOTAL")
			js.Totals = &t
			js.PortInRequests, js.PortOutRequests = countCell(s.sec.PortIn).value(), countCell(s.sec.PortOut).value()
		}
		for _, b := range s.sec.Boards {
			js.Boards = append(js.Boards, jsonBoardOf(b))
		}
		doc.Sections = append(doc.Sections, js)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func jsonRow(kinds []string, r table.Row, name string) jsonModel {
	m := jsonModel{
		Model: name, ByKind: map[string]any{}, Total: countCell(r.Total).value(), Insured: countCell(r.Insured).value(),
		BaselineTotal: countCell(r.Baseline).value(), ChangeRatio: changeCell(r.Change()).value(), Top: r.Top,
	}
	for i, v := range r.ByKind {
		m.ByKind[kinds[i]] = countCell(v).value()
	}
	return m
}

func jsonBoardOf(b table.Board) jsonBoard {
	jb := jsonBoard{Table: b.Group.String(), Status: b.Status.String(), BaselineStatus: b.BaselineStatus.String(), Gaps: jsonGaps(b.Gaps), Lines: []map[string]any{}}
	line := func(ln table.Line, name string) map[string]any {
		m := map[string]any{"name": name}
		for _, c := range boardColumns(lang{}, b.Group, "", "") {
			m[c.key] = c.cell(ln).value()
		}
		return m
	}
	for _, ln := range b.Lines {
		jb.Lines = append(jb.Lines, line(ln, ln.Name))
	}
	if b.Total != nil {
		jb.Total = line(*b.Total, "TOTAL")
	}
	return jb
}

func jsonGaps(gaps []table.Gap) []jsonGap {
	out := []jsonGap{}
	for _, g := range gaps {
		out = append(out, jsonGap{Collector: g.Collector, From: g.From.Format(time.RFC3339), To: g.To.Format(time.RFC3339), Reason: g.Reason.String()})
	}
	return out
}
