package config

import (
	"slices"
	"strings"
)

// Name patterns as shown in messages.
const (
	namePattern       = "[a-zA-Z_][a-zA-Z0-9_]*"
	metricNamePattern = "[a-zA-Z_:][a-zA-Z0-9_:]*"
)

// isName reports whether s matches [a-zA-Z_][a-zA-Z0-9_]*, or with colons
// the metric name form [a-zA-Z_:][a-zA-Z0-9_:]*.
func isName(s string, colons bool) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' ||
			i > 0 && '0' <= r && r <= '9' || colons && r == ':'
		if !ok {
			return false
		}
	}
	return true
}

// checkMetricName checks the name's form, reserved prefixes and the
// suffixes its type requires or forbids.
func (p *parser) checkMetricName(rm *rawMetric, known bool) {
	name, line, s := rm.name.v, rm.name.line, rm.subject
	if !isName(name, true) {
		p.errorf(line, s, "invalid name: must match %s", metricNamePattern)
		return
	}
	// Reserved for the exporter's own metrics.
	for _, prefix := range []string{"kos_exporter_", "go_", "process_"} {
		if strings.HasPrefix(name, prefix) {
			p.errorf(line, s, "name uses reserved prefix %q", prefix)
		}
	}
	if !known {
		return
	}
	total := strings.HasSuffix(name, "_total")
	switch {
	case rm.typ.v == TypeCounter && !total:
		p.errorf(line, s, "counter name must end in %q", "_total")
	case rm.typ.v != TypeCounter && total:
		p.errorf(line, s, "%s name must not end in %q", rm.typ.v, "_total")
	}
	if rm.typ.v == TypeHistogram {
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if strings.HasSuffix(name, suffix) {
				p.errorf(line, s, "histogram name must not end in %q", suffix)
			}
		}
	}
}

// checkLabels checks every label name the metric declares, wherever it is
// declared, and fills m's labels.
func (p *parser) checkLabels(rm *rawMetric, m *Metric, histogram bool) {
	seen := map[string]string{}
	check := func(name, where string, line int) {
		switch {
		case !isName(name, false):
			p.errorf(line, rm.subject, "invalid label name %q: must match %s", name, namePattern)
		case strings.HasPrefix(name, "__"):
			p.errorf(line, rm.subject, "invalid label name %q: names starting with \"__\" are reserved", name)
		case histogram && name == "le":
			p.errorf(line, rm.subject, "label %q is reserved for histogram buckets", name)
		case seen[name] != "":
			p.errorf(line, rm.subject, "label %q already declared in %s", name, seen[name])
		default:
			seen[name] = where
		}
	}
	for _, l := range rm.labels.v {
		check(l.v, "labels", l.line)
		m.Labels = append(m.Labels, l.v)
	}
	for _, l := range rm.constLabels.v {
		check(l.name, "const_labels", l.line)
		if m.ConstLabels == nil {
			m.ConstLabels = map[string]string{}
		}
		m.ConstLabels[l.name] = l.value
	}
	if rm.valueLabel.ok {
		check(rm.valueLabel.v, "value_label", rm.valueLabel.line)
	}
}

// labelSet is every label name of m, sorted.
func labelSet(m *Metric) []string {
	set := slices.Clone(m.Labels)
	for name := range m.ConstLabels {
		set = append(set, name)
	}
	if m.ValueLabel != "" {
		set = append(set, m.ValueLabel)
	}
	slices.Sort(set)
	return set
}
