package sqlrun

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/result"
)

// ErrTooManySeries is wrapped by the error returned when a run would expose
// more series than the collector's MaxSeries.
var ErrTooManySeries = errors.New("too many series")

// Mapper turns the rows of one collector run into metrics. It is
// single-use and not safe for concurrent use: NewMapper per run, Add per row,
// then Finish.
type Mapper struct {
	collector string
	maxSeries int
	sumDups   bool // add up rows of one label set (duplicates: sum)
	series    int
	families  []family
	cells     []cell // the row being added, read once for every family
	text      []byte // reused buffer for the label forms of the row's decoded values
	key       []byte // reused buffer for dedupe keys
	skipped   map[result.Skip]int
	err       error // once set, the run is lost
}

// family maps rows onto one configured metric.
type family interface {
	add(m *Mapper, row []cell) error
	finish() // after the last row
	result() result.Family
}

// NewMapper prepares the mapping of rows with the given columns onto the
// metrics of c, which config.Load has validated and completed. The only
// error is a configured column missing from the query result.
func NewMapper(c *config.Collector, columns []string) (*Mapper, error) {
	m := &Mapper{
		collector: c.Name,
		maxSeries: c.MaxSeries,
		sumDups:   c.SumDuplicates,
		cells:     make([]cell, len(columns)),
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

// Add maps one query row, with values as database/sql scans them into *any
// (MapRows passes text as *rowText); Add keeps no reference to row.
// Data problems are counted in the result's Skipped; an error means the run
// must be discarded, and every later call returns it again.
func (m *Mapper) Add(row []any) error {
	if m.err != nil {
		return m.err
	}
	if len(row) != len(m.cells) {
		m.err = fmt.Errorf("collector %q: row has %d values for %d columns", m.collector, len(row), len(m.cells))
		return m.err
	}
	text := m.text[:0]
	for i, v := range row {
		text = read(text, v, &m.cells[i])
	}
	m.text = text
	for _, f := range m.families {
		if err := f.add(m, m.cells); err != nil {
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
	families := make([]result.Family, len(m.families))
	for i, f := range m.families {
		f.finish()
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

// newFamily plans one metric: where its columns are in the query result
// and how its series are labelled.
func newFamily(mc *config.Metric, columns []string) (family, error) {
	r := &resolver{columns: columns}
	meta := &familyMeta{
		name:   mc.Name,
		help:   mc.Help,
		labels: labelSet{metric: mc.Name, names: mc.Labels, ends: make([]int, len(mc.Labels))},
	}
	for _, l := range mc.Labels {
		meta.labels.cols = append(meta.labels.cols, r.index(l))
	}
	var f family
	variable := mc.Labels // label names that vary by series
	if mc.Type == config.TypeHistogram {
		f = newHistogramFamily(meta, mc, r)
	} else {
		f, variable = newScalarFamily(meta, mc, r)
	}
	if err := r.err(); err != nil {
		return nil, err
	}
	meta.layout = labelLayout(variable, mc.ConstLabels)
	return f, nil
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
