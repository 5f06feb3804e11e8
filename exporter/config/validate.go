package config

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// applySchedule applies s over base and checks the result. A relation between
// two values is only checked where s sets one of them, so a bad global is
// reported once, at global, and not again for each collector inheriting it.
func (p *parser) applySchedule(s schedule, subject string, base Global) Global {
	// s is a copy: a value out of range is reported and then treated as
	// unset, so that later checks use what actually applies; a rejected
	// timeout or staleness is not compared again in its inherited form.
	rejected := map[string]bool{}
	for _, d := range []struct {
		name string
		f    *field[time.Duration]
		min  time.Duration
	}{{"interval", &s.interval, MinInterval}, {"timeout", &s.timeout, MinTimeout}, {"staleness", &s.staleness, 0}} {
		switch {
		case !d.f.ok:
		case d.f.v <= 0:
			p.errorf(d.f.line, subject, "%s must be positive, got %s", d.name, d.f.v)
			d.f.ok, rejected[d.name] = false, true
		case d.f.v < d.min:
			p.errorf(d.f.line, subject, "%s %s is below the minimum %s", d.name, d.f.v, d.min)
			d.f.ok, rejected[d.name] = false, true
		}
	}
	out := base
	if s.interval.ok {
		out.Interval = s.interval.v
	}
	if s.timeout.ok {
		out.Timeout = s.timeout.v
	}
	if s.staleness.ok {
		out.Staleness = s.staleness.v
	}
	if s.maxSeries.ok {
		if s.maxSeries.v < 1 {
			p.errorf(s.maxSeries.line, subject, "max_series must be at least 1, got %d", s.maxSeries.v)
		} else {
			out.MaxSeries = s.maxSeries.v
		}
	}

	// Values not set here are "inherited" by a collector and "default" at global.
	from := " (inherited)"
	if subject == "global" {
		from = " (default)"
	}
	origin := func(f field[time.Duration]) string {
		if f.ok {
			return ""
		}
		return from
	}
	if (s.timeout.ok || s.interval.ok) && !rejected["timeout"] && out.Timeout > out.Interval {
		p.errorf(firstLine(s.timeout, s.interval), subject, "timeout %s%s is longer than interval %s%s",
			out.Timeout, origin(s.timeout), out.Interval, origin(s.interval))
	}
	// A zero staleness becomes DefaultStalenessFactor × interval later and
	// cannot be too short.
	if (s.staleness.ok || s.interval.ok) && !rejected["staleness"] && out.Staleness != 0 && out.Staleness < out.Interval {
		p.errorf(firstLine(s.staleness, s.interval), subject, "staleness %s%s is shorter than interval %s%s",
			out.Staleness, origin(s.staleness), out.Interval, origin(s.interval))
	}
	return out
}

// firstLine is the line of the first field that applies.
func firstLine(fs ...field[time.Duration]) int {
	for _, f := range fs {
		if f.ok {
			return f.line
		}
	}
	return 0
}

func (p *parser) buildTarget(t *rawTarget) *Target {
	subject := fmt.Sprintf("target %q", t.name)
	out := &Target{Name: t.name, MaxOpenConns: DefaultMaxOpenConns, Pos: p.pos(t.line)}
	if !isName(t.name, false) {
		p.errorf(t.line, subject, "invalid name: must match %s", namePattern)
	}
	switch {
	case t.dsn.line != 0 && t.dsnFile.line != 0:
		p.errorf(t.line, subject, "dsn and dsn_file are mutually exclusive")
	case t.dsn.line == 0 && t.dsnFile.line == 0:
		p.errorf(t.line, subject, "one of dsn or dsn_file is required")
	}
	if t.dsn.ok {
		out.DSN = Secret(t.dsn.v)
	}
	if t.dsnFile.ok {
		out.DSNFile = t.dsnFile.v
		if !filepath.IsAbs(out.DSNFile) {
			out.DSNFile = filepath.Join(filepath.Dir(p.file), out.DSNFile)
		}
	}
	if t.maxOpenConns.ok {
		if t.maxOpenConns.v < 1 {
			p.errorf(t.maxOpenConns.line, subject, "max_open_conns must be at least 1, got %d", t.maxOpenConns.v)
		} else {
			out.MaxOpenConns = t.maxOpenConns.v
		}
	}
	return out
}

// family is the first declaration of a metric name, against which later
// declarations in other collectors are compared.
type family struct {
	collector string
	line      int
	typ, help string
	labels    []string // sorted
}

func (p *parser) buildCollectors(cfg *Config, raw *rawConfig) {
	switch {
	case raw.collectors.line == 0:
		p.errorf(raw.line, "", "missing required key %q", "collectors")
	case raw.collectors.ok && len(raw.collectors.v) == 0:
		p.errorf(raw.collectors.line, "", "collectors must not be empty")
	}
	names := map[string]int{}
	families := map[string]*family{}
	for _, rc := range raw.collectors.v {
		c := p.buildCollector(cfg, rc)
		if rc.name.ok {
			if first, dup := names[c.Name]; dup {
				p.errorf(rc.name.line, rc.subject, "duplicate collector name, first declared at line %d", first)
			} else {
				names[c.Name] = rc.name.line
			}
		}
		declared := map[string]int{}
		for _, rm := range rc.metrics.v {
			before := p.count
			m := p.buildMetric(rm)
			c.Metrics = append(c.Metrics, m)
			if c.SinceMidnight != nil && rm.typ.ok && m.Type == TypeGauge {
				// A gauge's value now is not base + recent.
				p.errorf(rm.typ.line, rm.subject, "a since_midnight collector counts rows of the day: its metrics must be counters or histograms, not %s", m.Type)
			}
			if !rm.name.ok {
				continue
			}
			if first, dup := declared[m.Name]; dup {
				p.errorf(rm.name.line, rm.subject, "metric already declared in this collector at line %d", first)
				continue
			}
			declared[m.Name] = rm.line
			// A metric with problems of its own would only add noise here.
			if p.count == before && !rm.malformed {
				p.compareFamily(families, c.Name, rm, m)
			}
		}
		cfg.Collectors = append(cfg.Collectors, c)
	}
}

func (p *parser) buildCollector(cfg *Config, rc *rawCollector) *Collector {
	s := rc.subject
	c := &Collector{Name: rc.name.v, Target: rc.target.v, SQL: strings.TrimSpace(rc.sql.v), Pos: p.pos(rc.line)}
	for _, req := range []struct {
		key  string
		line int
	}{{"name", rc.name.line}, {"sql", rc.sql.line}, {"metrics", rc.metrics.line}} {
		if req.line == 0 {
			p.errorf(rc.line, s, "missing required key %q", req.key)
		}
	}
	if rc.name.ok && !isName(c.Name, false) {
		p.errorf(rc.name.line, s, "invalid name: must match %s", namePattern)
	}
	switch {
	case c.SQL == "":
	case rc.sinceMidnight.line != 0:
		c.SinceMidnight = &SinceMidnight{Settle: DefaultSettle, Margin: DefaultMargin}
		marks, err := checkRangeSQL(c.SQL)
		if err != nil {
			p.errorf(rc.sql.line, s, "%v", err)
		}
		c.SinceMidnight.Placeholders = marks
	default:
		if err := checkSQL(c.SQL); err != nil {
			p.errorf(rc.sql.line, s, "%v", err)
		}
	}
	if rc.metrics.ok && rc.metrics.line != 0 && len(rc.metrics.v) == 0 {
		p.errorf(rc.metrics.line, s, "metrics must not be empty")
	}
	switch {
	case !rc.duplicates.ok, rc.duplicates.v == "drop":
	case rc.duplicates.v == "sum":
		c.SumDuplicates = true
	default:
		p.errorf(rc.duplicates.line, s, "duplicates %q: must be drop (keep the first row of a label set) or sum (add their values)", rc.duplicates.v)
	}
	switch {
	case rc.target.ok:
		if cfg.Target(c.Target) == nil {
			p.errorf(rc.target.line, s, "unknown target %q", c.Target)
		}
	case rc.target.line != 0: // present but malformed, already reported
	case len(cfg.Targets) == 1:
		c.Target = cfg.Targets[0].Name
	case len(cfg.Targets) == 0:
		p.errorf(rc.line, s, "target omitted and no targets are defined")
	default:
		names := make([]string, len(cfg.Targets))
		for i, t := range cfg.Targets {
			names[i] = t.Name
		}
		p.errorf(rc.line, s, "target omitted but %d targets are defined (%s)", len(names), strings.Join(names, ", "))
	}
	g := p.applySchedule(rc.schedule, s, cfg.Global)
	c.Interval, c.Timeout, c.MaxSeries = g.Interval, g.Timeout, g.MaxSeries
	c.Staleness = g.Staleness
	if c.Staleness == 0 {
		c.Staleness = DefaultStalenessFactor * c.Interval
	}
	if rc.sinceMidnight.line != 0 {
		p.checkSinceMidnight(rc, c)
	}
	return c
}

// checkSinceMidnight applies a collector's since_midnight settings: a
// settle period of at least the interval (the base is counted at most once
// a run) and a margin from 0 to an hour. Only counters and histograms
// count since midnight; buildCollectors checks the metrics' types.
func (p *parser) checkSinceMidnight(rc *rawCollector, c *Collector) {
	s, sm := rc.subject, rc.sinceMidnight
	if c.SinceMidnight == nil { // no sql to check
		c.SinceMidnight = &SinceMidnight{Settle: DefaultSettle, Margin: DefaultMargin}
	}
	if sm.settle.ok {
		if sm.settle.v < c.Interval {
			p.errorf(sm.settle.line, s, "since_midnight: settle %s is shorter than interval %s", sm.settle.v, c.Interval)
		} else {
			c.SinceMidnight.Settle = sm.settle.v
		}
	} else if c.Interval > DefaultSettle {
		c.SinceMidnight.Settle = c.Interval
	}
	if sm.margin.ok {
		if sm.margin.v < 0 || sm.margin.v > time.Hour {
			p.errorf(sm.margin.line, s, "since_midnight: margin must be from 0s to 1h, got %s", sm.margin.v)
		} else {
			c.SinceMidnight.Margin = sm.margin.v
		}
	}
}

func (p *parser) buildMetric(rm *rawMetric) *Metric {
	s := rm.subject
	m := &Metric{
		Name:       rm.name.v,
		Type:       rm.typ.v,
		Help:       rm.help.v,
		Value:      rm.value.v,
		ValueLabel: rm.valueLabel.v,
		Sum:        rm.sum.v,
		Pos:        p.pos(rm.line),
	}
	for _, req := range []struct {
		key  string
		line int
	}{{"name", rm.name.line}, {"type", rm.typ.line}, {"help", rm.help.line}} {
		if req.line == 0 {
			p.errorf(rm.line, s, "missing required key %q", req.key)
		}
	}
	known := rm.typ.ok && (m.Type == TypeGauge || m.Type == TypeCounter || m.Type == TypeHistogram)
	if rm.typ.ok && !known {
		p.errorf(rm.typ.line, s, "unknown type %q: must be %s, %s or %s", m.Type, TypeGauge, TypeCounter, TypeHistogram)
	}
	histogram := known && m.Type == TypeHistogram
	if rm.name.ok {
		p.checkMetricName(rm, known)
	}
	p.checkLabels(rm, m, histogram)

	// Value columns.
	switch {
	case histogram:
		if rm.values.line != 0 {
			p.errorf(rm.values.line, s, "histogram cannot use values")
		}
		if rm.value.line == 0 {
			p.errorf(rm.line, s, "histogram requires value (the per-bucket count column)")
		}
	case rm.value.line != 0 && rm.values.line != 0:
		p.errorf(rm.values.line, s, "value and values are mutually exclusive")
	case rm.value.line == 0 && rm.values.line == 0:
		p.errorf(rm.line, s, "one of value or values is required")
	}
	if rm.values.ok && rm.values.line != 0 {
		seen := map[string]bool{}
		for _, v := range rm.values.v {
			if seen[v.v] {
				p.errorf(v.line, s, "values lists %q twice", v.v)
			}
			seen[v.v] = true
			m.Values = append(m.Values, v.v)
		}
		if len(rm.values.v) == 0 {
			p.errorf(rm.values.line, s, "values must not be empty")
		}
	}
	if rm.values.line != 0 && rm.valueLabel.line == 0 {
		p.errorf(rm.values.line, s, "values requires value_label")
	}
	if rm.valueLabel.line != 0 && rm.values.line == 0 {
		p.errorf(rm.valueLabel.line, s, "value_label requires values")
	}

	// Histogram columns.
	if !histogram {
		if known {
			for _, f := range []struct {
				key  string
				line int
			}{{"bucket_column", rm.bucketColumn.line}, {"buckets", rm.buckets.line}, {"sum", rm.sum.line}} {
				if f.line != 0 {
					p.errorf(f.line, s, "%s is only valid for histograms", f.key)
				}
			}
		}
		return m
	}
	m.BucketColumn = DefaultBucketColumn
	if rm.bucketColumn.ok {
		m.BucketColumn = rm.bucketColumn.v
	}
	if rm.sum.line == 0 {
		p.errorf(rm.line, s, "histogram requires sum")
	}
	if rm.buckets.line == 0 || rm.buckets.ok && len(rm.buckets.v) == 0 {
		p.errorf(max(rm.line, rm.buckets.line), s, "histogram requires buckets")
	}
	for i, b := range rm.buckets.v {
		switch {
		case !isFinite(b.v):
			p.errorf(b.line, s, "buckets must be finite, got %g (+Inf is implied)", b.v)
		case i > 0 && b.v <= rm.buckets.v[i-1].v:
			p.errorf(b.line, s, "buckets must be strictly increasing, got %g after %g", b.v, rm.buckets.v[i-1].v)
		}
		m.Buckets = append(m.Buckets, b.v)
	}
	return m
}

// compareFamily allows a metric name in several collectors only with the
// same type, help and label names: the exporter merges them into one family.
func (p *parser) compareFamily(families map[string]*family, collector string, rm *rawMetric, m *Metric) {
	here := &family{collector: collector, line: rm.line, typ: m.Type, help: m.Help, labels: labelSet(m)}
	first, ok := families[m.Name]
	if !ok {
		families[m.Name] = here
		return
	}
	var diffs []string
	if here.typ != first.typ {
		diffs = append(diffs, fmt.Sprintf("type %s vs %s", here.typ, first.typ))
	}
	if here.help != first.help {
		diffs = append(diffs, "help differs")
	}
	if !slices.Equal(here.labels, first.labels) {
		diffs = append(diffs, fmt.Sprintf("labels %v vs %v", here.labels, first.labels))
	}
	if len(diffs) > 0 {
		p.errorf(rm.line, rm.subject, "declared differently in collector %q at line %d: %s",
			first.collector, first.line, strings.Join(diffs, "; "))
	}
}

func isFinite(x float64) bool { return !math.IsInf(x, 0) && !math.IsNaN(x) }
