package result

import (
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"
)

// KeySep ends every variable label value in a series key. 0xff never
// occurs in valid UTF-8 and label values are checked to be valid UTF-8, so
// the keys of distinct label sets never collide.
const KeySep = 0xff

// Label is one label of every series of a family, in the order series
// carry them (sorted by name): a constant, or the index of a variable value
// in the series key.
type Label struct {
	Name  string
	Value string // of a constant label
	Index int    // of a variable label; -1 for a constant
}

// Series are the samples of a gauge or counter family, packed: a
// *dto.Metric costs about 280 bytes a series, a packed sample its label
// values in one shared string, an end offset and a float64, and no pointer
// of its own for the garbage collector to follow. A run builds the next
// result while the previous one is still served, so at a million series
// that difference is most of the exporter's memory and much of a run's
// time. Series is filled by one goroutine and never modified once
// published; copies share the packed keys.
type Series struct {
	Layout []Label
	// keys holds every sample's variable label values back to back, each
	// ended by KeySep. A strings.Builder only appends, so the strings it
	// returned stay valid as it grows.
	keys   *strings.Builder
	ends   []int // where each sample's key ends in keys
	values []float64
}

// Add appends a sample; key holds the variable label values in Layout's
// index order, each ended by KeySep.
func (s *Series) Add(key string, value float64) {
	s.builder(len(key)).WriteString(key)
	s.added(value)
}

// AddBytes is Add for a key in a buffer the caller reuses: it is copied.
func (s *Series) AddBytes(key []byte, value float64) {
	s.builder(len(key)).Write(key)
	s.added(value)
}

// builder returns the keys with room for n more bytes. Grow doubles them
// when full, where Write would append, which grows a large slice by a
// quarter and so copies a million series' keys about five times over.
func (s *Series) builder(n int) *strings.Builder {
	if s.keys == nil {
		s.keys = &strings.Builder{}
	}
	s.keys.Grow(n)
	return s.keys
}

func (s *Series) added(value float64) {
	s.ends = appendDoubling(s.ends, s.keys.Len())
	s.values = appendDoubling(s.values, value)
}

// appendDoubling is append that doubles a full slice (see builder).
func appendDoubling[E any](s []E, e E) []E {
	if len(s) == cap(s) {
		s = slices.Grow(s, max(len(s), 64))
	}
	return append(s, e)
}

// AddTo adds value to sample i's value, while s is being filled.
func (s *Series) AddTo(i int, value float64) { s.values[i] += value }

// Key is the key of sample i, as it was added.
func (s *Series) Key(i int) string {
	start := 0
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.keys.String()[start:s.ends[i]]
}

// Len is the number of samples.
func (s *Series) Len() int { return len(s.ends) }

// Pairs builds the label pairs of a series from its variable values.
func Pairs(layout []Label, values []string) []*dto.LabelPair {
	pairs := make([]*dto.LabelPair, len(layout))
	for i := range layout {
		l := &layout[i]
		if l.Index < 0 {
			pairs[i] = &dto.LabelPair{Name: &l.Name, Value: &l.Value}
			continue
		}
		pairs[i] = &dto.LabelPair{Name: &l.Name, Value: &values[l.Index]}
	}
	return pairs
}

// Len is the number of series of the family.
func (f *Family) Len() int { return len(f.Metrics) + f.Series.Len() }

// Chunks calls fn with the family's series as dto metrics, at most n at a
// time, in order. Packed samples are unpacked into metrics that are reused
// from one call to the next, so a million series never exist as dto
// metrics at once; fn must not keep them.
func (f *Family) Chunks(n int, fn func([]*dto.Metric) error) error {
	for start := 0; start < len(f.Metrics); start += n {
		if err := fn(f.Metrics[start:min(start+n, len(f.Metrics))]); err != nil {
			return err
		}
	}
	s := &f.Series
	if s.Len() == 0 {
		return nil
	}
	u := newUnpacker(f.Type, s.Layout, min(n, s.Len()))
	for start := 0; start < s.Len(); start += n {
		end := min(start+n, s.Len())
		if err := fn(u.unpack(s, start, end)); err != nil {
			return err
		}
	}
	return nil
}

// All returns every series as fresh dto metrics, for tests and small
// families.
func (f *Family) All() []*dto.Metric {
	var all []*dto.Metric
	f.Chunks(max(f.Len(), 1), func(ms []*dto.Metric) error {
		all = append(all, ms...)
		return nil
	})
	return all
}

// unpacker turns packed samples into dto metrics in reusable storage.
type unpacker struct {
	typ     dto.MetricType
	layout  []Label
	vars    int // variable labels per series
	metrics []dto.Metric
	ptrs    []*dto.Metric
	pairs   []dto.LabelPair
	labels  []*dto.LabelPair
	values  []string
	samples []float64
	gauges  []dto.Gauge
	counts  []dto.Counter
}

func newUnpacker(typ dto.MetricType, layout []Label, n int) *unpacker {
	u := &unpacker{typ: typ, layout: layout}
	for _, l := range layout {
		if l.Index >= 0 {
			u.vars++
		}
	}
	u.metrics = make([]dto.Metric, n)
	u.ptrs = make([]*dto.Metric, n)
	u.pairs = make([]dto.LabelPair, n*len(layout))
	u.labels = make([]*dto.LabelPair, n*len(layout))
	u.values = make([]string, n*u.vars)
	u.samples = make([]float64, n)
	if typ == dto.MetricType_COUNTER {
		u.counts = make([]dto.Counter, n)
	} else {
		u.gauges = make([]dto.Gauge, n)
	}
	return u
}

func (u *unpacker) unpack(s *Series, start, end int) []*dto.Metric {
	for i := range end - start {
		key := s.Key(start + i)
		values := u.values[i*u.vars : (i+1)*u.vars]
		for j := range values {
			cut := strings.IndexByte(key, KeySep)
			values[j], key = key[:cut], key[cut+1:]
		}
		labels := u.labels[i*len(u.layout) : (i+1)*len(u.layout)]
		for j := range u.layout {
			l := &u.layout[j]
			p := &u.pairs[i*len(u.layout)+j]
			if l.Index < 0 {
				p.Name, p.Value = &l.Name, &l.Value
			} else {
				p.Name, p.Value = &l.Name, &values[l.Index]
			}
			labels[j] = p
		}
		m := &u.metrics[i]
		u.samples[i] = s.values[start+i]
		m.Label = labels
		if u.typ == dto.MetricType_COUNTER {
			u.counts[i].Value = &u.samples[i]
			m.Counter = &u.counts[i]
		} else {
			u.gauges[i].Value = &u.samples[i]
			m.Gauge = &u.gauges[i]
		}
		u.ptrs[i] = m
	}
	return u.ptrs[:end-start]
}
