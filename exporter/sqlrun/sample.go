package sqlrun

import (
	"slices"

	dto "github.com/prometheus/client_model/go"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/result"
)

// scalarFamily maps rows onto a gauge or counter; with several value
// columns, each yields a series labelled with the column name.
type scalarFamily struct {
	*familyMeta
	values     []column
	valueLabel bool
	seen       map[string]struct{}
}

func newScalarFamily(meta *familyMeta, mc *config.Metric, r *resolver) (f *scalarFamily, variable []string) {
	meta.typ = dto.MetricType_GAUGE
	if mc.Type == config.TypeCounter {
		meta.typ = dto.MetricType_COUNTER
	}
	f = &scalarFamily{familyMeta: meta, seen: map[string]struct{}{}}
	variable = slices.Clone(mc.Labels)
	names := mc.Values
	if mc.Value != "" {
		names = []string{mc.Value}
	} else {
		f.valueLabel = true
		variable = append(variable, mc.ValueLabel)
	}
	for _, n := range names {
		f.values = append(f.values, column{name: n, index: r.index(n)})
	}
	return f, variable
}

func (f *scalarFamily) add(m *Mapper, row []cell) error {
	if !f.labels.build(m, row) {
		return nil
	}
	base := len(m.key)
	for _, vc := range f.values {
		v, reason := sampleValue(&row[vc.index], f.typ == dto.MetricType_COUNTER)
		if reason != "" {
			m.skip(f.name, vc.name, reason)
			continue
		}
		if f.valueLabel {
			m.key = append(append(m.key[:base], vc.name...), result.KeySep)
		}
		if _, dup := f.seen[string(m.key)]; dup {
			m.skip(f.name, vc.name, result.SkipDuplicate)
			continue
		}
		if err := m.reserve(1); err != nil {
			return err
		}
		key := string(m.key)
		f.seen[key] = struct{}{}
		f.series.Add(key, v)
	}
	return nil
}

// sampleValue converts a value column, or names the skip reason: NULL, not
// a number, or below zero where only counts make sense.
func sampleValue(c *cell, nonNegative bool) (float64, result.SkipReason) {
	if c.null {
		return 0, result.SkipNullValue
	}
	x, ok := c.number()
	switch {
	case !ok:
		return 0, result.SkipNonNumeric
	case nonNegative && x < 0:
		return 0, result.SkipNegativeCounter
	}
	return x, ""
}

func (f *scalarFamily) finish() {}
