package sqlrun

import (
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"

	"github.com/kos-ops/kos_exporter/exporter/result"
)

// familyMeta is what every family has: name, help, type, labels and series.
type familyMeta struct {
	name    string
	help    string
	typ     dto.MetricType
	labels  labelSet
	layout  []result.Label // every label of a series, sorted by name
	metrics []*dto.Metric  // histograms
	series  result.Series  // gauges and counters
}

func labelLayout(variable []string, constLabels map[string]string) []result.Label {
	var layout []result.Label
	for i, name := range variable {
		layout = append(layout, result.Label{Name: name, Index: i})
	}
	for name, value := range constLabels {
		layout = append(layout, result.Label{Name: name, Value: value, Index: -1})
	}
	slices.SortFunc(layout, func(a, b result.Label) int { return strings.Compare(a.Name, b.Name) })
	return layout
}

func (f *familyMeta) result() result.Family {
	f.series.Layout = f.layout
	return result.Family{Name: f.name, Help: f.help, Type: f.typ, Metrics: f.metrics, Series: f.series}
}

// labelSet writes the label columns of a row into the mapper's key buffer.
type labelSet struct {
	metric string
	names  []string // configured label columns
	cols   []int
	ends   []int // end of each label value in the key, set by build
}

// build writes the label values of row into m.key, each followed by
// result.KeySep.
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
		m.key = append(m.key, result.KeySep)
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
