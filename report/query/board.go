package query

import (
	"fmt"
	"strings"

	"github.com/prometheus/common/model"

	"github.com/kos-ops/kos_exporter/report/table"
)

// BoardCollectors lists the collectors of the shipped collectors.yaml that
// feed a board group: while one is not exposed, only that group is partial.
func BoardCollectors(g table.Group) []string {
	switch g {
	case table.Agencies:
		return []string{"agency_calls"}
	case table.OTA:
		return []string{"ota", "ota_flow"}
	case table.ErrorQueue:
		return []string{"error_queue", "error_queue_flow"}
	}
	return nil
}

// board collects one hour's board figures by line.
type board map[table.Figure]map[string]float64

func (b board) add(f table.Figure, line model.LabelValue, v float64) {
	if b[f] == nil {
		b[f] = map[string]float64{}
	}
	b[f][string(line)] += v
}

// boardQuery is one query of the board and where its samples go.
type boardQuery struct {
	expr string
	add  func(b board, m model.Metric, v float64)
}

// boardQueries are the board's PromQL. No recording rule holds these hourly
// figures, so counts take the form of the *:increase1h rules (increase1h);
// levels are the gauge at hh:00.
func boardQueries() []boardQuery {
	return []boardQuery{
		{increase1h("kos_agency_calls_total", "agency", "result"), func(b board, m model.Metric, v float64) {
			b.add(table.Calls, m["agency"], v)
			// Failed: an error code or no answer within KOS' 3 s limit,
			// as in agency:kos_agency_call_errors:ratio_rate5m.
			if r := m["result"]; r == "error" || r == "timeout" {
				b.add(table.FailedCalls, m["agency"], v)
			}
		}},
		{increase1h("kos_ota_updates_total", "result"), func(b board, m model.Metric, v float64) {
			switch m["result"] {
			case "completed":
				b.add(table.OTACompleted, "", v)
			case "failed":
				b.add(table.OTAFailed, "", v)
			}
		}},
		{level("kos_ota_updates_pending"), func(b board, _ model.Metric, v float64) {
			b.add(table.OTAPending, "", v)
		}},
		{increase1h("kos_error_queue_reprocess_attempts_total", "reason", "result"), func(b board, m model.Metric, v float64) {
			switch m["result"] {
			case "success":
				b.add(table.Reprocessed, m["reason"], v)
			case "failed":
				b.add(table.ReprocessFailed, m["reason"], v)
			}
		}},
		{increase1h("kos_error_queue_given_up_total", "reason"), func(b board, m model.Metric, v float64) {
			b.add(table.GivenUp, m["reason"], v)
		}},
		{level("kos_error_queue_depth", "reason"), func(b board, m model.Metric, v float64) {
			b.add(table.Backlog, m["reason"], v)
		}},
	}
}

// increase1h is a counter's count in the hour before the evaluation time,
// by labels, as the *:increase1h recording rules count it: the exact
// difference an hour apart (counters count since midnight), increase()
// where the counter reset or is new within the hour.
func increase1h(counter string, by ...string) string {
	return fmt.Sprintf("sum by (%s) ((%[2]s - %[2]s offset 1h) >= 0 or increase(%[2]s[1h]))", strings.Join(by, ", "), counter)
}

// level is a gauge at the evaluation time, by labels.
func level(gauge string, by ...string) string {
	return fmt.Sprintf("sum by (%s) (%s)", strings.Join(by, ", "), gauge)
}
