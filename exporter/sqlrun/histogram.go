package sqlrun

import (
	"bytes"
	"math"
	"slices"

	dto "github.com/prometheus/client_model/go"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/result"
)

// maxCount is the largest histogram count a float64 holds exactly; larger
// counts would silently lose precision.
const maxCount = 1 << 53

// histogramFamily collects one row per (label set, bucket) and builds
// cumulative histograms in finish.
type histogramFamily struct {
	*familyMeta
	bucket, count, sum column
	bounds             []float64 // declared upper bounds, ascending
	series             map[string]*histSeries
	order              []*histSeries // first-seen order, for stable output
}

type histSeries struct {
	labelValues []string
	counts      []uint64 // per bound, then +Inf; not cumulative
	seen        []bool   // bucket rows already added
	sum         float64
}

func newHistogramFamily(meta *familyMeta, mc *config.Metric, r *resolver) *histogramFamily {
	meta.typ = dto.MetricType_HISTOGRAM
	return &histogramFamily{
		familyMeta: meta,
		bucket:     column{name: mc.BucketColumn, index: r.index(mc.BucketColumn)},
		count:      column{name: mc.Value, index: r.index(mc.Value)},
		sum:        column{name: mc.Sum, index: r.index(mc.Sum)},
		bounds:     mc.Buckets,
		series:     map[string]*histSeries{},
	}
}

func (f *histogramFamily) add(m *Mapper, row []cell) error {
	if !f.labels.build(m, row) {
		return nil
	}
	b, ok := f.bucketIndex(&row[f.bucket.index])
	if !ok {
		m.skip(f.name, f.bucket.name, result.SkipBadBucket)
		return nil
	}
	n, reason := bucketCount(&row[f.count.index])
	if reason != "" {
		m.skip(f.name, f.count.name, reason)
		return nil
	}
	sum, reason := sampleValue(&row[f.sum.index], false)
	if reason != "" {
		m.skip(f.name, f.sum.name, reason)
		return nil
	}

	s, found := f.series[string(m.key)]
	switch {
	case found && s.seen[b] && m.sumDups:
		s.counts[b] += n
		s.sum += sum
		return nil
	case found && s.seen[b]:
		m.skip(f.name, f.bucket.name, result.SkipDuplicate)
		return nil
	case !found:
		if err := m.reserve(result.HistogramSeries(len(f.bounds))); err != nil {
			return err
		}
		key := string(m.key)
		s = &histSeries{
			labelValues: make([]string, len(f.labels.cols)),
			counts:      make([]uint64, len(f.bounds)+1),
			seen:        make([]bool, len(f.bounds)+1),
		}
		f.labels.fill(s.labelValues, key)
		f.series[key] = s
		f.order = append(f.order, s)
	}
	s.seen[b] = true
	s.counts[b] = n
	s.sum += sum
	return nil
}

// bucketIndex returns the index of the declared bound c, or len(bounds) for +Inf.
func (f *histogramFamily) bucketIndex(c *cell) (int, bool) {
	if isPosInf(c) {
		return len(f.bounds), true
	}
	x, ok := c.number()
	if !ok {
		return 0, false
	}
	i := slices.Index(f.bounds, x)
	return i, i >= 0
}

// isPosInf reports whether a bucket bound is +Inf: the text "+Inf" (or
// "Inf", any case) as config.Metric documents, or a float's infinity.
func isPosInf(c *cell) bool {
	if c.decimal {
		return bytes.EqualFold(c.text, []byte("+Inf")) || bytes.EqualFold(c.text, []byte("Inf"))
	}
	return math.IsInf(c.num, 1)
}

func (f *histogramFamily) finish() {
	for _, s := range f.order {
		buckets := make([]*dto.Bucket, len(f.bounds))
		var cumulative uint64
		for i := range f.bounds {
			cumulative += s.counts[i]
			count := cumulative
			buckets[i] = &dto.Bucket{CumulativeCount: &count, UpperBound: &f.bounds[i]}
		}
		total := cumulative + s.counts[len(f.bounds)]
		h := &dto.Metric{Label: result.Pairs(f.layout, s.labelValues), Histogram: &dto.Histogram{
			SampleCount: &total, SampleSum: &s.sum, Bucket: buckets,
		}}
		f.metrics = append(f.metrics, h)
	}
}

// bucketCount converts a bucket's observation count: a whole number from 0
// to maxCount.
func bucketCount(c *cell) (uint64, result.SkipReason) {
	x, reason := sampleValue(c, true)
	switch {
	case reason != "":
		return 0, reason
	case x != math.Trunc(x) || x > maxCount: // NaN fails the first test
		return 0, result.SkipNonNumeric
	}
	return uint64(x), ""
}
