package rulescheck

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// inventory is what a rule or a dashboard may read: collectors.yaml's families, the
// exporter's self-metrics, the recording rules and the ALERTS series of the
// alerting rules.
type inventory struct {
	families map[string]family
	self     map[string]bool
	recorded map[string]bool
	alerts   []string
}

func newInventory(t *testing.T) inventory {
	t.Helper()
	inv := inventory{families: exposed(t), self: selfMetrics(t), recorded: map[string]bool{}}
	for _, r := range loadRules(t) {
		if r.Record != "" {
			inv.recorded[r.Record] = true
		}
		if r.Alert != "" {
			inv.alerts = append(inv.alerts, r.Alert)
		}
	}
	return inv
}

// selfHistogram reports whether name is a series of one of the exporter's
// own histograms (the README lists the family name only).
func (inv inventory) selfHistogram(name string) bool {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && inv.self[base] {
			return true
		}
	}
	return false
}

func (inv inventory) isCounter(name string) bool {
	if strings.HasSuffix(name, "_total") {
		return true
	}
	if inv.selfHistogram(name) {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && inv.families[base+"_bucket"].labels != nil {
			return true
		}
	}
	return false
}

// check fails for a selector of expr that reads a metric nothing produces,
// or a label or value the metric does not have.
func (inv inventory) check(t *testing.T, expr string) {
	t.Helper()
	for _, s := range selectors(t, expr) {
		f, ok := inv.families[s.name]
		switch {
		case ok:
			checkLabels(t, s, f)
		case s.name == "ALERTS":
			inv.checkAlerts(t, s)
		case inv.recorded[s.name], inv.self[s.name], inv.selfHistogram(s.name), s.name == "up",
			strings.HasPrefix(s.name, "go_"), strings.HasPrefix(s.name, "process_"):
		default:
			t.Errorf("%s is produced by neither collectors.yaml, the exporter's self-metrics nor a rule", s.name)
		}
	}
}

// checkAlerts: an ALERTS selector's alertname must match some alert.
func (inv inventory) checkAlerts(t *testing.T, s selector) {
	t.Helper()
	for _, m := range s.matchers {
		if m.name != "alertname" || m.neg {
			continue
		}
		re := regexp.MustCompile("^(?:" + regexp.QuoteMeta(m.value) + ")$")
		if m.re {
			re = regexp.MustCompile("^(?:" + m.value + ")$")
		}
		if !slices.ContainsFunc(inv.alerts, re.MatchString) {
			t.Errorf("ALERTS{alertname %q} matches no alert in rules/", m.value)
		}
	}
}
