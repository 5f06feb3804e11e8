package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/kos-ops/kos_exporter/report/table"
)

// markdown writes GitHub-flavoured tables, which Mattermost, Rocket.Chat and
// similar messengers render; top models are bold.
func markdown(w io.Writer, l lang, rep table.Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n", heading(l, rep))
	for _, g := range grids(l, rep) {
		fmt.Fprintf(&b, "\n**%s**\n", g.title)
		if len(g.notes) > 0 {
			b.WriteString("\n")
		}
		for i, n := range g.notes {
			if i == 0 && g.status != table.Complete {
				fmt.Fprintf(&b, "> ⚠️ **%s**\n", mdEscape(n))
			} else {
				fmt.Fprintf(&b, "> %s\n", mdEscape(n))
			}
		}
		if g.header == nil {
			continue
		}
		b.WriteString("\n")
		mdRow(&b, g.header, false)
		b.WriteString("|---|" + strings.Repeat("--:|", len(g.header)-1) + "\n")
		for i, row := range g.rows {
			mdRow(&b, row, g.top[i] || (g.total && i == len(g.rows)-1))
		}
		if g.ports != "" {
			fmt.Fprintf(&b, "\n%s\n", mdEscape(g.ports))
		}
	}
	if hasTable(l, rep) {
		fmt.Fprintf(&b, "\n_**bold**: %s_\n", l.top)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdRow(b *strings.Builder, row []string, bold bool) {
	b.WriteString("|")
	for i, c := range row {
		c = mdEscape(c)
		if bold && i == 0 {
			c = "**" + c + "**"
		}
		b.WriteString(" " + c + " |")
	}
	b.WriteString("\n")
}

// mdEscape keeps model names such as nova_x_pro from turning italic.
func mdEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "|", `\|`, "_", `\_`, "*", `\*`).Replace(s)
}
