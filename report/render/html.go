package render

import (
	htmltemplate "html/template"
	"io"
	"strings"

	"github.com/kos-ops/kos_exporter/report/table"
)

// page is a single self-contained file: inline CSS, no scripts, no fonts or
// images to fetch, so it opens from a messenger attachment on a phone.
const page = `<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Heading}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans KR","Noto Sans CJK KR",sans-serif;margin:0;padding:8px;color:#1b1f24;background:#f6f7f9}
h1{font-size:1.05rem;margin:0 0 12px}
section{background:#fff;border-radius:8px;padding:8px 6px;margin-bottom:12px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:.95rem;margin:0 0 8px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.8rem;font-variant-numeric:tabular-nums}
th,td{padding:5px 3px;text-align:right;white-space:nowrap;border-bottom:1px solid #e4e7eb}
th{white-space:normal;word-break:keep-all;vertical-align:bottom}
th:first-child,td:first-child{text-align:left;position:sticky;left:0;background:inherit}
thead th{font-weight:600;color:#57606a;font-size:.75rem;background:#fff}
tbody tr{background:#fff}
tr.top{background:#fff4d6}
tr.top td:first-child::before{content:"★ ";color:#d4a017}
tr.total{background:#eef1f4;font-weight:700}
.note{border-left:4px solid #8c959f;padding:6px 8px;margin:0 0 8px;font-size:.8rem;background:#f6f8fa}
.partial .note:first-of-type{border-color:#d4a017;background:#fff8e1;font-weight:600}
.missing .note:first-of-type{border-color:#cf222e;background:#ffebe9;font-weight:600}
.ports{margin:8px 0 0;font-size:.85rem}
.legend{font-size:.75rem;color:#57606a}
</style>
</head>
<body>
<h1>{{.Heading}}</h1>
{{range .Grids}}<section class="{{.Status}}">
<h2>{{.Title}}</h2>
{{range .Notes}}<p class="note">{{.}}</p>
{{end}}{{if .Header}}<div class="scroll"><table>
<thead><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr{{if .Class}} class="{{.Class}}"{{end}}>{{range .Cells}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table></div>
{{if .Ports}}<p class="ports">{{.Ports}}</p>
{{end}}{{end}}</section>
{{end}}{{if .Legend}}<p class="legend">★ {{.Top}}</p>{{end}}
</body>
</html>
`

type htmlRow struct {
	Class string
	Cells []string
}

type htmlGrid struct {
	Title, Status, Ports string
	Notes, Header        []string
	Rows                 []htmlRow
}

func html(w io.Writer, l lang, rep table.Report) error {
	t, err := htmltemplate.New("page").Parse(page)
	if err != nil {
		return err
	}
	data := struct {
		Lang, Heading, Top string
		Legend             bool
		Grids              []htmlGrid
	}{Lang: l.code, Heading: heading(l, rep), Top: l.top, Legend: hasTable(l, rep)}
	for _, g := range grids(l, rep) {
		hg := htmlGrid{Title: g.title, Status: g.status.String(), Ports: g.ports, Notes: g.notes}
		for _, h := range g.header {
			hg.Header = append(hg.Header, strings.ReplaceAll(h, "-", "\u2011")) // no line break inside "Port-in" or "11-25"
		}
		for i, row := range g.rows {
			r := htmlRow{Cells: row}
			switch {
			case g.total && i == len(g.rows)-1:
				r.Class = "total"
			case g.top[i]:
				r.Class = "top"
			}
			hg.Rows = append(hg.Rows, r)
		}
		data.Grids = append(data.Grids, hg)
	}
	return t.Execute(w, data)
}
