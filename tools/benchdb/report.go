package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

type reportHeader struct {
	version, source, loadAvg string
	cpus, runs               int
}

// writeReport prints the loads, the whole set's time per 15 s per
// scenario and file, then every collector's figures.
func writeReport(out io.Writer, h reportHeader, loads []*loaded, results []measured) {
	fmt.Fprintf(out, "Server: %s, on the same %d-core machine as the benchmark, shared with other work (load average %s when it started). Statement figures: %s. %d runs per collector and scenario, after one warming run.\n\n",
		h.version, h.cpus, h.loadAvg, h.source, h.runs)

	fmt.Fprintln(out, "## Loads (launchsim.Load)")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| scenario | database state | rows | activation rows | agency_call rows | load time (of it, creating indexes) |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|")
	for _, l := range loads {
		took := fmt.Sprintf("%s (%s)", seconds(l.load.loadSeconds), seconds(l.load.idxSeconds))
		if l.load.reused {
			took += ", loaded " + l.load.loadedAt.UTC().Format(time.DateTime) + " UTC"
		}
		fmt.Fprintf(out, "| %s | %s | %d | %d | %d | %s |\n", l.name, l.describe(), l.load.rows, l.load.activationRows, l.load.agencyCallRows, took)
	}
	fmt.Fprintln(out)

	files := uniq(results, func(m measured) string { return m.file })
	fmt.Fprintf(out, "## Database time per 15 s interval, whole set (goal: at most %s)\n\n", ms(goalPer15s))
	fmt.Fprintln(out, "Each collector's median run, times the runs it makes in 15 s at its interval, added up.")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| scenario | "+strings.Join(files, " | ")+" |")
	fmt.Fprintln(out, "|---|"+strings.Repeat("---|", len(files)))
	for _, sc := range uniq(results, func(m measured) string { return m.scenario }) {
		cells := []string{sc}
		for _, f := range files {
			i := slices.IndexFunc(results, func(m measured) bool { return m.scenario == sc && m.file == f })
			if i < 0 {
				cells = append(cells, "")
				continue
			}
			cell := ms(results[i].per15s())
			if results[i].per15s() > goalPer15s {
				cell += " **over**"
			}
			cells = append(cells, cell)
		}
		fmt.Fprintln(out, "| "+strings.Join(cells, " | ")+" |")
	}
	fmt.Fprintln(out)

	for _, m := range results {
		fmt.Fprintf(out, "### %s: %s\n\n", m.scenario, m.file)
		fmt.Fprintln(out, "| collector | interval | server time per run (median / mean / max) | per 15 s (median) | rows examined per run | rows sent per run | items counted | plan | goals |")
		fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|---|")
		for _, c := range m.costs {
			fmt.Fprintf(out, "| %s | %s | %s / %s / %s | %s | %.0f | %.0f | %.0f | %s | %s |\n", c.name, c.interval, ms(c.median()), ms(c.mean()), ms(c.max), ms(c.per15s()),
				c.examinedPerRun(), c.sentPerRun(), c.counted, strings.Join(c.plan.access, "; "), misses(c))
		}
		fmt.Fprintf(out, "| **total** | | | **%s** | | | | | |\n\n", ms(m.per15s()))
	}
}

// misses lists the goals a collector does not meet, or "ok".
func misses(c collectorCost) string {
	var m []string
	if len(c.plan.fullScans) > 0 {
		m = append(m, "full scan of "+strings.Join(c.plan.fullScans, ", "))
	}
	if !c.rowsOK() {
		m = append(m, "examines more than 10 × sent + counted")
	}
	if len(m) == 0 {
		return "ok"
	}
	return "**" + strings.Join(m, "; ") + "**"
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func seconds(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(time.Second).String()
}

// uniq is the distinct keys of results in first-seen order.
func uniq(results []measured, key func(measured) string) []string {
	var out []string
	for _, m := range results {
		if k := key(m); !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}
