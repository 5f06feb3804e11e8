package render

import (
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/width"

	"github.com/kos-ops/kos_exporter/report/table"
)

// text writes aligned columns for a terminal; Hangul counts two cells.
func text(w io.Writer, l lang, rep table.Report) error {
	var b strings.Builder
	fmt.Fprintln(&b, heading(l, rep))
	for _, g := range grids(l, rep) {
		fmt.Fprintf(&b, "\n%s\n", g.title)
		for _, n := range g.notes {
			fmt.Fprintf(&b, "! %s\n", n)
		}
		if g.header == nil {
			continue
		}
		widths := make([]int, len(g.header))
		for _, row := range append([][]string{g.header}, g.rows...) {
			for i, c := range row {
				widths[i] = max(widths[i], cells(c)+2*boolInt(i == 0))
			}
		}
		line := func(row []string, top bool) {
			for i, c := range row {
				if i > 0 {
					b.WriteString("  ")
				}
				pad := strings.Repeat(" ", widths[i]-cells(c)-2*boolInt(i == 0))
				if i == 0 {
					mark := "  "
					if top {
						mark = "* "
					}
					b.WriteString(mark + c + pad)
				} else {
					b.WriteString(pad + c)
				}
			}
			b.WriteString("\n")
		}
		line(g.header, false)
		for i, row := range g.rows {
			if g.total && i == len(g.rows)-1 {
				b.WriteString(strings.Repeat("-", sum(widths)+2*(len(widths)-1)) + "\n")
			}
			line(row, g.top[i])
		}
		if g.ports != "" {
			fmt.Fprintln(&b, g.ports)
		}
	}
	if hasTable(l, rep) {
		fmt.Fprintf(&b, "\n* %s\n", l.top)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cells is the terminal width of s: wide (East Asian) runes take two.
func cells(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}
