package render

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/kos-ops/kos_exporter/report/table"
)

// csvTable writes one line per period and model, then per period and board
// line, with raw numbers and RFC 3339 times; unknown values are empty,
// never 0. The results' TOTAL line of each period also carries the port-in
// and port-out requests. Every line names its table (results, agencies,
// ota, error_queue) and line (model, agency, reason, TOTAL); a board line's
// change_ratio is of its group's main count, baseline_<main> its baseline.
// New columns are only ever appended.
func csvTable(w io.Writer, rep table.Report) error {
	header, col := csvHeader(rep.Kinds)
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, s := range []struct {
		name string
		sec  table.Section
	}{{"hour", rep.Hour}, {"day", rep.Day}} {
		rec := func(st table.Status, tbl table.Group, name string) []string {
			r := make([]string, len(header))
			r[0], r[1], r[2], r[3] = s.name, s.sec.From.Format(time.RFC3339), s.sec.To.Format(time.RFC3339), st.String()
			r[col["table"]], r[col["name"]] = tbl.String(), name
			return r
		}
		model := func(r table.Row, name string) []string {
			out := rec(s.sec.Status, table.Results, name)
			out[col["model"]] = name
			if s.sec.Status == table.Missing {
				return out
			}
			for i, v := range r.ByKind {
				out[col["model"]+1+i] = raw(v)
			}
			out[col["total"]], out[col["insured"]], out[col["baseline_total"]] = raw(r.Total), raw(r.Insured), raw(r.Baseline)
			out[col["change_ratio"]], out[col["top"]] = changeCell(r.Change()).raw(), strconv.Itoa(r.Top)
			return out
		}
		var recs [][]string
		for _, r := range s.sec.Rows {
			recs = append(recs, model(r, r.Model))
		}
		total := model(s.sec.Totals, "TOTAL")
		if s.sec.Status != table.Missing {
			total[col["port_in_requests"]], total[col["port_out_requests"]] = raw(s.sec.PortIn), raw(s.sec.PortOut)
		}
		recs = append(recs, total)
		for _, b := range s.sec.Boards {
			line := func(ln table.Line, name string) []string {
				out := rec(b.Status, b.Group, name)
				if b.Status == table.Missing {
					return out
				}
				for _, c := range boardColumns(lang{}, b.Group, "", "") {
					out[col[c.key]] = c.cell(ln).raw()
				}
				return out
			}
			for _, ln := range b.Lines {
				recs = append(recs, line(ln, ln.Name))
			}
			switch {
			case b.Status == table.Missing:
				recs = append(recs, line(table.Line{}, "TOTAL"))
			case b.Total != nil:
				recs = append(recs, line(*b.Total, "TOTAL"))
			}
		}
		if err := cw.WriteAll(recs); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvHeader is the CSV's columns and where each fixed one is (the kinds sit
// after model).
func csvHeader(kinds []string) ([]string, map[string]int) {
	header := append([]string{"period", "from", "to", "status", "model"}, kinds...)
	header = append(header, "total", "insured", "baseline_total", "change_ratio", "top", "port_in_requests", "port_out_requests", "table", "name")
	col := map[string]int{}
	for i, h := range header {
		if i < 5 || i >= 5+len(kinds) {
			col[h] = i
		}
	}
	for _, g := range table.BoardGroups() {
		for _, c := range boardColumns(lang{}, g, "", "") {
			if _, ok := col[c.key]; !ok {
				col[c.key] = len(header)
				header = append(header, c.key)
			}
		}
	}
	return header, col
}

func raw(v table.Value) string {
	if !v.Known {
		return ""
	}
	return strconv.FormatInt(table.Round(v.N), 10)
}
