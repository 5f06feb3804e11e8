package sqlrun

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	dto "github.com/prometheus/client_model/go"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/result"
)

// ErrTooManySeries is wrapped by the error returned when a run would expose
// more series than the collector's MaxSeries.
var ErrTooManySeries = errors.New("too many series")

// keySep separates label values in dedupe keys. 0xff never occurs in valid
// UTF-8 and label values are checked to be valid UTF-8, so keys of distinct
// label sets never collide.
const keySep = 0xff

// maxCount is the largest histogram count a float64 holds exactly; larger
// counts would silently lose precision.
const maxCount = 1 << 53

// Mapper turns the rows of one collector run into const metrics. It is
// single-use and not safe for concurrent use: NewMapper per run, Add per row,
// then Finish.
type Mapper struct {
	collector string
	columns   int
	maxSeries int
	series    int
	families  []family
	key       []byte // reused buffer for dedupe keys
	skipped   map[result.Skip]int
	err       error // once set, the run is lost
}

// family maps rows onto one configured metric.
type family interface {
	add(m *Mapper, row []any) error
	finish(m *Mapper) error
	result() result.Family
}

// NewMapper prepares the mapping of rows with the given columns onto the
// metrics of c, which config.Load has validated and completed. The only
// error is a configured column missing from the query result.
func NewMapper(c *config.Collector, columns []string) (*Mapper, error) {
	m := &Mapper{
		collector: c.Name,
		columns:   len(columns),
		maxSeries: c.MaxSeries,
		skipped:   map[result.Skip]int{},
	}
	for _, mc := range c.Metrics {
		f, err := newFamily(mc, columns)
		if err != nil {
			return nil, &config.Error{Pos: mc.Pos, Subject: fmt.Sprintf("collector %q metric %q", c.Name, mc.Name), Msg: err.Error()}
		}
		m.families = append(m.families, f)
	}
	return m, nil
}

// Add maps one query row, with values as database/sql scans them into *any.
// Data problems are counted in Mapped.Skipped; an error means the run must
// be discarded, and every later call returns it again.
func (m *Mapper) Add(row []any) error {
	if m.err != nil {
		return m.err
	}
	if len(row) != m.columns {
		m.err = fmt.Errorf("collector %q: row has %d values for %d columns", m.collector, len(row), m.columns)
		return m.err
	}
	for _, f := range m.families {
		if err := f.add(m, row); err != nil {
			m.err = err
			return err
		}
	}
	return nil
}

// Finish builds the histograms and returns everything mapped.
func (m *Mapper) Finish() (*result.Result, error) {
	if m.err != nil {
		return nil, m.err
	}
	for _, f := range m.families {
		if err := f.finish(m); err != nil {
			m.err = err
			return nil, err
		}
	}
	families := make([]result.Family, len(m.families))
	for i, f := range m.families {
		families[i] = f.result()
	}
	return &result.Result{Families: families, Series: m.series, Skipped: m.skipped}, nil
}

func (m *Mapper) skip(metric, column string, reason result.SkipReason) {
	m.skipped[result.Skip{Metric: metric, Column: column, Reason: reason}]++
}

// reserve accounts for n new series, failing once MaxSeries would be exceeded.
func (m *Mapper) reserve(n int) error {
	if m.series+n > m.maxSeries {
		return fmt.Errorf("collector %q: more than %d series: %w", m.collector, m.maxSeries, ErrTooManySeries)
	}
	m.series += n
	return nil
}

func newFamily(mc *config.Metric, columns []string) (family, error) {
	r := resolver{columns: columns}
	shared := &familyMeta{
		name:   mc.Name,
		help:   mc.Help,
		typ:    dto.MetricType_GAUGE,
		labels: labelSet{metric: mc.Name, names: mc.Labels, ends: make([]int, len(mc.Labels))},
	}
	for _, l := range mc.Labels {
		shared.labels.cols = append(shared.labels.cols, r.index(l))
	}
	variable := slices.Clone(mc.Labels)

	var f family
	if mc.Type == config.TypeHistogram {
		shared.typ = dto.MetricType_HISTOGRAM
		f = &histogramFamily{
			familyMeta: shared,
			bucket:     column{name: mc.BucketColumn, index: r.index(mc.BucketColumn)},
			count:      column{name: mc.Value, index: r.index(mc.Value)},
			sum:        column{name: mc.Sum, index: r.index(mc.Sum)},
			bounds:     mc.Buckets,
			series:     map[string]*histSeries{},
		}
	} else {
		s := &scalarFamily{familyMeta: shared, seen: map[string]struct{}{}}
		if mc.Type == config.TypeCounter {
			shared.typ = dto.MetricType_COUNTER
		}
		names := mc.Values
		if mc.Value != "" {
			names = []string{mc.Value}
		} else {
			s.valueLabel = true
			variable = append(variable, mc.ValueLabel)
		}
		for _, n := range names {
			s.values = append(s.values, column{name: n, index: r.index(n)})
		}
		s.labelValues = make([]string, len(variable))
		f = s
	}
	if err := r.err(); err != nil {
		return nil, err
	}
	shared.layout = labelLayout(variable, mc.ConstLabels)
	return f, nil
}

// familyMeta is what every family has: its name, descriptor and labels.
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

// column is a configured column name and its index in the query result.
type column struct {
	name  string
	index int
}

// resolver finds configured columns in the query result, remembering the
// ones that are missing.
type resolver struct {
	columns []string
	missing []string
}

// index matches exactly first, then ignoring case, because MySQL column
// names are case-insensitive while drivers report them as written.
func (r *resolver) index(name string) int {
	if i := slices.Index(r.columns, name); i >= 0 {
		return i
	}
	i := slices.IndexFunc(r.columns, func(c string) bool { return strings.EqualFold(c, name) })
	if i < 0 && !slices.Contains(r.missing, name) {
		r.missing = append(r.missing, name)
	}
	return i
}

func (r *resolver) err() error {
	if len(r.missing) == 0 {
		return nil
	}
	returned := "none"
	if len(r.columns) > 0 {
		returned = quoteList(r.columns)
	}
	noun := "column"
	if len(r.missing) > 1 {
		noun = "columns"
	}
	return fmt.Errorf("%s %s not in query result (it returned %s)", noun, quoteList(r.missing), returned)
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
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
func (l *labelSet) build(m *Mapper, row []any) bool {
	m.key = m.key[:0]
	for i, c := range l.cols {
		if row[c] == nil {
			m.skip(l.metric, l.names[i], result.SkipNullLabel)
		} else {
			var ok bool
			if m.key, ok = appendLabel(m.key, row[c]); !ok {
				m.skip(l.metric, l.names[i], result.SkipInvalidLabel)
				return false
			}
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

// scalarFamily maps rows onto a gauge or counter; with several value
// columns, each yields a series labelled with the column name.
type scalarFamily struct {
	*familyMeta
	values      []column
	valueLabel  bool
	labelValues []string // reused per sample; const metrics copy them
	seen        map[string]struct{}
}

func (f *scalarFamily) add(m *Mapper, row []any) error {
	if !f.labels.build(m, row) {
		return nil
	}
	base := len(m.key)
	for _, vc := range f.values {
		v, reason := f.sample(row[vc.index])
		if reason != "" {
			m.skip(f.name, vc.name, reason)
			continue
		}
		if f.valueLabel {
			m.key = append(m.key[:base], vc.name...)
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
		f.labels.fill(f.labelValues, key)
		if f.valueLabel {
			f.labelValues[len(f.labelValues)-1] = vc.name
		}
		metric := &dto.Metric{Label: f.labelPairs(f.labelValues)}
		if f.typ == dto.MetricType_COUNTER {
			metric.Counter = &dto.Counter{Value: &v}
		} else {
			metric.Gauge = &dto.Gauge{Value: &v}
		}
		f.metrics = append(f.metrics, metric)
	}
	return nil
}

func (f *scalarFamily) sample(v any) (float64, result.SkipReason) {
	return sampleValue(v, f.typ == dto.MetricType_COUNTER)
}

// sampleValue converts a value column, or names the skip reason: NULL, not
// a number, or below zero where only counts make sense.
func sampleValue(v any, nonNegative bool) (float64, result.SkipReason) {
	if v == nil {
		return 0, result.SkipNullValue
	}
	x, ok := number(v)
	switch {
	case !ok:
		return 0, result.SkipNonNumeric
	case nonNegative && x < 0:
		return 0, result.SkipNegativeCounter
	}
	return x, ""
}

func (f *scalarFamily) finish(*Mapper) error { return nil }

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

func (f *histogramFamily) add(m *Mapper, row []any) error {
	if !f.labels.build(m, row) {
		return nil
	}
	b, ok := f.bucketIndex(row[f.bucket.index])
	if !ok {
		m.skip(f.name, f.bucket.name, result.SkipBadBucket)
		return nil
	}
	n, reason := bucketCount(row[f.count.index])
	if reason != "" {
		m.skip(f.name, f.count.name, reason)
		return nil
	}
	if row[f.sum.index] == nil {
		m.skip(f.name, f.sum.name, result.SkipNullValue)
		return nil
	}
	sum, ok := number(row[f.sum.index])
	if !ok {
		m.skip(f.name, f.sum.name, result.SkipNonNumeric)
		return nil
	}

	s, found := f.series[string(m.key)]
	switch {
	case found && s.seen[b]:
		m.skip(f.name, f.bucket.name, result.SkipDuplicate)
		return nil
	case !found:
		// Buckets, +Inf, sum and count.
		if err := m.reserve(len(f.bounds) + 3); err != nil {
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

// bucketIndex returns the index of the declared bound v, or len(bounds) for +Inf.
func (f *histogramFamily) bucketIndex(v any) (int, bool) {
	if v == nil {
		return 0, false
	}
	if isPosInf(v) {
		return len(f.bounds), true
	}
	x, ok := number(v)
	if !ok {
		return 0, false
	}
	i := slices.Index(f.bounds, x)
	return i, i >= 0
}

// isPosInf reports whether a bucket bound is +Inf: the text "+Inf" (or
// "Inf", any case) as config.Metric documents, or a float's infinity.
func isPosInf(v any) bool {
	var s string
	switch v := v.(type) {
	case []byte:
		s = string(v)
	case string:
		s = v
	case float64:
		return math.IsInf(v, 1)
	default:
		return false
	}
	return strings.EqualFold(s, "+Inf") || strings.EqualFold(s, "Inf")
}

func (f *histogramFamily) finish(m *Mapper) error {
	for _, s := range f.order {
		buckets := make([]*dto.Bucket, len(f.bounds))
		var cumulative uint64
		for i := range f.bounds {
			cumulative += s.counts[i]
			count := cumulative
			buckets[i] = &dto.Bucket{CumulativeCount: &count, UpperBound: &f.bounds[i]}
		}
		total := cumulative + s.counts[len(f.bounds)]
		h := &dto.Metric{Label: f.labelPairs(s.labelValues), Histogram: &dto.Histogram{
			SampleCount: &total, SampleSum: &s.sum, Bucket: buckets,
		}}
		f.metrics = append(f.metrics, h)
	}
	return nil
}

// bucketCount converts a bucket's observation count: a whole number from 0
// to maxCount.
func bucketCount(v any) (uint64, result.SkipReason) {
	x, reason := sampleValue(v, true)
	switch {
	case reason != "":
		return 0, reason
	case x != math.Trunc(x) || x > maxCount: // NaN fails the first test
		return 0, result.SkipNonNumeric
	}
	return uint64(x), ""
}

// number converts a scanned value to a finite sample value. Text comes
// from the text protocol (DECIMAL as "12.50") and from string columns.
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case []byte:
		return parseDecimal(v)
	case sql.RawBytes:
		return parseDecimal(v)
	case string:
		return parseDecimal([]byte(v))
	case int64:
		return float64(v), true
	case int32:
		return float64(v), true
	case int:
		return float64(v), true
	case uint64:
		return float64(v), true
	case uint32:
		return float64(v), true
	case float64:
		return v, isFinite(v)
	case float32:
		return float64(v), isFinite(float64(v))
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case time.Time:
		// Unix seconds with the fraction; UnixNano would overflow after 2262.
		return float64(v.Unix()) + float64(v.Nanosecond())/1e9, true
	}
	return 0, false
}

func isFinite(x float64) bool { return !math.IsInf(x, 0) && !math.IsNaN(x) }

// parseDecimal reads text as a plain decimal number, as SQL prints one:
// optional sign, digits, optional fraction, optional exponent. What else
// strconv.ParseFloat takes (NaN, Inf, hex, underscores) is not a number
// here, so a counter can never become NaN; nor is a value beyond float64.
func parseDecimal(b []byte) (float64, bool) {
	if !isDecimal(b) {
		return 0, false
	}
	x, err := strconv.ParseFloat(string(b), 64)
	return x, err == nil
}

func isDecimal(b []byte) bool {
	i := 0
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(b) && isDigit(b[i]); i++ {
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && isDigit(b[i]); i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		for ; i < len(b) && isDigit(b[i]); i++ {
		}
		if i == start {
			return false
		}
	}
	return i == len(b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// bitValue reads a BIT(n) column, which the driver returns as the raw
// big-endian bytes, as its unsigned integer.
func bitValue(b []byte) (uint64, bool) {
	if len(b) > 8 {
		return 0, false
	}
	var x uint64
	for _, c := range b {
		x = x<<8 | uint64(c)
	}
	return x, true
}

// appendLabel appends the label form of v to b and reports whether that
// form is valid UTF-8.
func appendLabel(b []byte, v any) ([]byte, bool) {
	start := len(b)
	switch v := v.(type) {
	case []byte:
		b = append(b, v...)
	case sql.RawBytes:
		b = append(b, v...)
	case string:
		b = append(b, v...)
	case int64:
		b = strconv.AppendInt(b, v, 10)
	case int32:
		b = strconv.AppendInt(b, int64(v), 10)
	case int:
		b = strconv.AppendInt(b, int64(v), 10)
	case uint64:
		b = strconv.AppendUint(b, v, 10)
	case uint32:
		b = strconv.AppendUint(b, uint64(v), 10)
	case float64:
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
	case float32:
		b = strconv.AppendFloat(b, float64(v), 'g', -1, 32)
	case bool:
		b = strconv.AppendBool(b, v)
	case time.Time:
		b = v.AppendFormat(b, time.RFC3339)
	default:
		// Types a driver might add later still get a readable label.
		b = fmt.Append(b, v)
	}
	return b, utf8.Valid(b[start:])
}
