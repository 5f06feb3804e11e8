package result

import (
	"strings"

	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
)

// Sum adds two runs of the same collector series by series (by label set):
// a since_midnight collector's base (the day up to a mark) and recent part
// (from the mark on), whose counters and histograms count disjoint rows.
// A label set in one only keeps its value. Neither input is modified: the
// base is added to every recent part until it is counted again. Families
// are matched by position (both runs map the same config); Skipped is
// recent's.
func Sum(base, recent *Result) *Result {
	out := &Result{Families: make([]Family, len(recent.Families)), Skipped: recent.Skipped}
	for i, r := range recent.Families {
		f := Family{Name: r.Name, Help: r.Help, Type: r.Type}
		var b *Family
		if i < len(base.Families) {
			b = &base.Families[i]
		}
		if r.Type == dto.MetricType_HISTOGRAM {
			f.Metrics = sumHistograms(b, &r)
			for _, m := range f.Metrics {
				out.Series += HistogramSeries(len(m.GetHistogram().GetBucket()))
			}
		} else {
			f.Series = sumSeries(b, &r)
			out.Series += f.Series.Len()
		}
		out.Families[i] = f
	}
	return out
}

func sumSeries(base, recent *Family) Series {
	out := Series{Layout: recent.Series.Layout}
	at := map[string]int{}
	if base != nil {
		for i := range base.Series.Len() {
			k := base.Series.Key(i)
			at[k] = i
			out.Add(k, base.Series.values[i])
		}
	}
	for i := range recent.Series.Len() {
		k := recent.Series.Key(i)
		if j, ok := at[k]; ok {
			out.AddTo(j, recent.Series.values[i])
			continue
		}
		out.Add(k, recent.Series.values[i])
	}
	return out
}

func sumHistograms(base, recent *Family) []*dto.Metric {
	var out []*dto.Metric
	at := map[string]*dto.Histogram{}
	if base != nil {
		for _, m := range base.Metrics {
			c := proto.Clone(m).(*dto.Metric)
			at[labelKey(c)] = c.Histogram
			out = append(out, c)
		}
	}
	for _, m := range recent.Metrics {
		h, ok := at[labelKey(m)]
		if !ok {
			out = append(out, proto.Clone(m).(*dto.Metric))
			continue
		}
		r := m.GetHistogram()
		h.SampleCount = proto.Uint64(h.GetSampleCount() + r.GetSampleCount())
		h.SampleSum = proto.Float64(h.GetSampleSum() + r.GetSampleSum())
		// Both runs declare the same bounds, in the same order.
		for i, b := range h.Bucket {
			if i < len(r.Bucket) {
				b.CumulativeCount = proto.Uint64(b.GetCumulativeCount() + r.Bucket[i].GetCumulativeCount())
			}
		}
	}
	return out
}

// labelKey identifies a series by its label values (the names are the
// family's, the same in both runs).
func labelKey(m *dto.Metric) string {
	var b strings.Builder
	for _, p := range m.GetLabel() {
		b.WriteString(p.GetValue())
		b.WriteByte(KeySep)
	}
	return b.String()
}
