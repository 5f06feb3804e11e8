package render

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/kos-ops/kos_exporter/report/table"
)

// csvTable writes one line per model and period with raw numbers and
// RFC 3339 times; unknown values are empty, never 0. The TOTAL line of each
// period also carries the port-in and port-out requests.
func csvTable(w io.Writer, rep table.Report) error {
	cw := csv.NewWriter(w)
	header := []string{"period", "from", "to", "status", "model"}
	header = append(header, rep.Kinds...)
	header = append(header, "total", "insured", "baseline_total", "change_ratio", "top", "port_in_requests", "port_out_requests")
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, s := range []struct {
		name string
		sec  table.Section
	}{{"hour", rep.Hour}, {"day", rep.Day}} {
		lead := []string{s.name, s.sec.From.Format(time.RFC3339), s.sec.To.Format(time.RFC3339), s.sec.Status.String()}
		if s.sec.Status == table.Missing {
			if err := cw.Write(pad(append(lead, "TOTAL"), len(header))); err != nil {
				return err
			}
			continue
		}
		line := func(r table.Row, model string, ports bool) error {
			rec := append(append([]string{}, lead...), model)
			for _, v := range r.ByKind {
				rec = append(rec, raw(v))
			}
			rec = append(rec, raw(r.Total), raw(r.Insured), raw(r.Baseline))
			if c, ok := r.Change(); ok {
				rec = append(rec, strconv.FormatFloat(c, 'f', 4, 64))
			} else {
				rec = append(rec, "")
			}
			rec = append(rec, strconv.Itoa(r.Top))
			if ports {
				rec = append(rec, raw(s.sec.PortIn), raw(s.sec.PortOut))
			}
			return cw.Write(pad(rec, len(header)))
		}
		for _, r := range s.sec.Rows {
			if err := line(r, r.Model, false); err != nil {
				return err
			}
		}
		if err := line(s.sec.Totals, "TOTAL", true); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func raw(v table.Value) string {
	if !v.Known {
		return ""
	}
	return strconv.FormatInt(table.Round(v.N), 10)
}

func pad(rec []string, n int) []string {
	for len(rec) < n {
		rec = append(rec, "")
	}
	return rec
}
