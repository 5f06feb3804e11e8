package sqlrun

import (
	"fmt"
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
	index      keyIndex // of f.series, to drop duplicate label sets
}

func newScalarFamily(meta *familyMeta, mc *config.Metric, r *resolver) (f *scalarFamily, variable []string) {
	meta.typ = dto.MetricType_GAUGE
	if mc.Type == config.TypeCounter {
		meta.typ = dto.MetricType_COUNTER
	}
	f = &scalarFamily{familyMeta: meta, index: newKeyIndex()}
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
		dup, h := f.index.find(&f.series, m.key)
		switch {
		case dup >= 0 && m.sumDups:
			f.series.AddTo(dup, v)
			continue
		case dup >= 0:
			m.skip(f.name, vc.name, result.SkipDuplicate)
			continue
		}
		if err := m.reserve(1); err != nil {
			return err
		}
		n := f.series.Len()
		if n >= maxIndexed {
			return fmt.Errorf("collector %q: more than %d series in metric %q: %w", m.collector, maxIndexed, f.name, ErrTooManySeries)
		}
		f.index.insert(h, n)
		f.series.AddBytes(m.key, v)
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
