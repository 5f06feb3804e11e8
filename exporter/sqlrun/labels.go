package sqlrun

import (
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"

	"github.com/kos-ops/kos_exporter/exporter/result"
)

// keySep separates label values in dedupe keys. 0xff never occurs in valid
// UTF-8 and label values are checked to be valid UTF-8, so keys of distinct
// label sets never collide.
const keySep = 0xff

// familyMeta is what every family has: name, help, type, labels and series.
type familyMeta struct {
	name    string
	help    string
	typ     dto.MetricType
	labels  labelSet
	layout  []labelSlot // every label of a series, sorted by name
	metrics []*dto.Metric
}

// labelSlot is one label of a series: a constant pair shared by all series,
// or the index of the variable label value.
type labelSlot struct {
	name     string
	constant *dto.LabelPair
	index    int
}

func labelLayout(variable []string, constLabels map[string]string) []labelSlot {
	var slots []labelSlot
	for i, name := range variable {
		slots = append(slots, labelSlot{name: name, index: i})
	}
	for name, value := range constLabels {
		slots = append(slots, labelSlot{name: name, constant: &dto.LabelPair{Name: &name, Value: &value}})
	}
	slices.SortFunc(slots, func(a, b labelSlot) int { return strings.Compare(a.name, b.name) })
	return slots
}

// labelPairs builds a series' labels from its variable label values.
func (f *familyMeta) labelPairs(values []string) []*dto.LabelPair {
	pairs := make([]*dto.LabelPair, len(f.layout))
	for i := range f.layout {
		slot := &f.layout[i]
		if slot.constant != nil {
			pairs[i] = slot.constant
			continue
		}
		value := values[slot.index]
		pairs[i] = &dto.LabelPair{Name: &slot.name, Value: &value}
	}
	return pairs
}

func (f *familyMeta) result() result.Family {
	return result.Family{Name: f.name, Help: f.help, Type: f.typ, Metrics: f.metrics}
}

// labelSet writes the label columns of a row into the mapper's key buffer.
type labelSet struct {
	metric string
	names  []string // configured label columns
	cols   []int
	ends   []int // end of each label value in the key, set by build
}

// build writes the label values of row into m.key, each followed by keySep.
// It reports false when the row must be dropped for this metric.
func (l *labelSet) build(m *Mapper, row []cell) bool {
	m.key = m.key[:0]
	for i, c := range l.cols {
		if row[c].null {
			m.skip(l.metric, l.names[i], result.SkipNullLabel)
		} else {
			value, ok := row[c].label()
			if !ok {
				m.skip(l.metric, l.names[i], result.SkipInvalidLabel)
				return false
			}
			m.key = append(m.key, value...)
		}
		l.ends[i] = len(m.key)
		m.key = append(m.key, keySep)
	}
	return true
}

// fill sets dst to the label values, sliced out of key (a copy of the key
// build wrote), so all labels of a series share one allocation.
func (l *labelSet) fill(dst []string, key string) {
	start := 0
	for i, end := range l.ends {
		dst[i] = key[start:end]
		start = end + 1
	}
}
