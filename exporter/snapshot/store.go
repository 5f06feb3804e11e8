// Package snapshot keeps the latest successful result of every collector and
// serves them, with the exporter's self-metrics, to scrapers. A scrape never
// touches the database: it reads immutable results swapped in by the
// scheduler, and an encoded body is reused until a result changes.
package snapshot

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kos-ops/kos_exporter/exporter/result"
)

// CollectorInfo declares one configured collector.
type CollectorInfo struct {
	Name      string
	Target    string
	Staleness time.Duration
	// Revision fingerprints the definition: when it changes, the previous
	// result is dropped (its metrics may no longer match) but counters stay.
	Revision string
}

type collectorState struct {
	info        CollectorInfo
	ran         bool // at least one run finished, successful or not
	up          bool // the last run succeeded
	lastSuccess time.Time
	families    []result.Family // of the last success, those with series
	series      int
	seq         uint64 // bumped on every published result
}

// Store is safe for concurrent use.
type Store struct {
	now func() time.Time

	mu         sync.Mutex
	collectors map[string]*collectorState
	targets    map[string]bool // target name → last connection attempt succeeded
	seq        uint64

	// renderMu is held while a body is built; bodyMu guards rendered, so a
	// scrape can take the current body without waiting for a render.
	renderMu sync.Mutex
	bodyMu   sync.Mutex
	rendered map[string]*body              // by exposition format
	lastSize map[string]int                // of the last body by format, to size the next
	wanted   map[string][numEncodings]bool // formats and encodings scrapes used
	// eagerSize: a change builds the bodies before it is published when
	// the last page was this large (see prepare).
	eagerSize int
	coders    *coders

	self        *selfMetrics
	runDuration *prometheus.HistogramVec
	parts       *prometheus.HistogramVec
	runs        *prometheus.CounterVec
	errors      *prometheus.CounterVec
	skipped     *prometheus.CounterVec
}

// New returns an empty store. now is the clock (time.Now outside tests).
func New(now func() time.Time) *Store {
	s := &Store{
		now:        now,
		collectors: map[string]*collectorState{},
		targets:    map[string]bool{},
		rendered:   map[string]*body{},
		lastSize:   map[string]int{},
		wanted:     map[string][numEncodings]bool{},
		eagerSize:  1 << 20, // about 30k series
		coders:     newCoders(),
		runDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kos_exporter_collector_run_duration_seconds",
			Help:    "Wall time of collector runs: query, reading rows and mapping them to metrics.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"collector", "target"}),
		parts: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kos_exporter_collector_part_duration_seconds",
			Help:    "Wall time of the queries of since_midnight collectors by part: base (midnight to the mark, every settle period), advance (the rows the mark passed since the last run) and recent (from the mark on, every run).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"collector", "target", "part"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kos_exporter_collector_runs_total",
			Help: "Collector runs started; each run is one query on the target.",
		}, []string{"collector", "target"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kos_exporter_collector_errors_total",
			Help: "Failed collector runs by reason.",
		}, []string{"collector", "target", "reason"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kos_exporter_collector_skipped_values_total",
			Help: "Values dropped or altered while mapping rows (NULLs, non-numeric values, duplicate label sets, ...), by reason.",
		}, []string{"collector", "target", "reason"}),
	}
	s.self = &selfMetrics{store: s}
	return s
}

// SetCollectors declares the configured collectors. State of collectors that
// keep their name and target survives; the others are forgotten, so their
// series vanish at once.
func (s *Store) SetCollectors(infos []CollectorInfo) {
	defer s.warm()
	s.renderMu.Lock() // see settle
	defer s.renderMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	next := make(map[string]*collectorState, len(infos))
	targets := map[string]bool{}
	for _, in := range infos {
		st, ok := s.collectors[in.Name]
		if !ok || st.info.Target != in.Target {
			st = &collectorState{}
			for _, r := range result.Reasons() {
				s.errors.WithLabelValues(in.Name, in.Target, string(r))
			}
			for _, r := range result.SkipReasons() {
				s.skipped.WithLabelValues(in.Name, in.Target, string(r))
			}
			s.runs.WithLabelValues(in.Name, in.Target)
		}
		if st.info.Revision != in.Revision {
			st.up, st.families, st.series = false, nil, 0
		}
		st.info = in
		next[in.Name] = st
		targets[in.Target] = s.targets[in.Target]
	}
	for name, st := range s.collectors {
		if kept, ok := next[name]; ok && kept == st {
			continue
		}
		l := prometheus.Labels{"collector": name, "target": st.info.Target}
		s.runDuration.DeletePartialMatch(l)
		s.parts.DeletePartialMatch(l)
		s.runs.DeletePartialMatch(l)
		s.errors.DeletePartialMatch(l)
		s.skipped.DeletePartialMatch(l)
	}
	s.collectors = next
	s.targets = targets
	s.seq++
}

// RunStarted counts a run (one query) of collector.
func (s *Store) RunStarted(collector string) {
	if st := s.state(collector); st != nil {
		s.runs.WithLabelValues(collector, st.info.Target).Inc()
	}
}

// ObservePart records the time of one query of a since_midnight
// collector's run, by part ("base" or "recent"), failed queries included.
func (s *Store) ObservePart(collector, part string, took time.Duration) {
	if st := s.state(collector); st != nil {
		s.parts.WithLabelValues(collector, st.info.Target, part).Observe(took.Seconds())
	}
}

// Publish records a successful run; its metrics replace the previous ones.
func (s *Store) Publish(collector string, r *result.Result, took time.Duration) {
	var families []result.Family
	for _, f := range r.Families {
		// A query that returned no rows: the encoders reject an empty
		// family, which would fail the whole page.
		if f.Len() > 0 {
			families = append(families, f)
		}
	}
	s.settle(collector, func(st *collectorState, now time.Time) {
		st.ran, st.up = true, true
		st.lastSuccess = now
		st.families = families
		st.series = r.Series
	}, func(st *collectorState) {
		s.targets[st.info.Target] = true
		s.runDuration.WithLabelValues(collector, st.info.Target).Observe(took.Seconds())
		for skip, n := range r.Skipped {
			s.skipped.WithLabelValues(collector, st.info.Target, string(skip.Reason)).Add(float64(n))
		}
	})
}

// Fail records a failed run: the collector's data stops being exposed until
// its next success. targetReached says whether the database answered at all.
func (s *Store) Fail(collector string, reason result.Reason, targetReached bool, took time.Duration) {
	s.settle(collector, func(st *collectorState, _ time.Time) {
		st.ran, st.up = true, false
		st.families = nil
		st.series = 0
	}, func(st *collectorState) {
		s.targets[st.info.Target] = targetReached
		s.runDuration.WithLabelValues(collector, st.info.Target).Observe(took.Seconds())
		s.errors.WithLabelValues(collector, st.info.Target, string(reason)).Inc()
	})
}

// settle applies the outcome of a run of collector: update gives its next
// state, count records the outcome in the self-metrics. The bodies of the
// formats scrapes use are built for the next state first, on the caller's
// goroutine (the scheduler's), and swapped in together with it: a scrape
// neither waits for the new data nor sees the new state with the old data.
func (s *Store) settle(collector string, update func(st *collectorState, now time.Time), count func(st *collectorState)) {
	s.renderMu.Lock() // one change at a time, so next stays current
	defer s.renderMu.Unlock()
	s.mu.Lock()
	st := s.collectors[collector]
	if st == nil {
		s.mu.Unlock()
		return // removed by a reload while it ran
	}
	next := *st
	next.seq = s.seq + 1
	now := s.now() // the success's time is also what staleness is judged at
	update(&next, now)
	var bodies map[string]*body
	if s.eager() {
		key, parts := s.freshAt(now, collector, &next)
		s.mu.Unlock()
		bodies = s.prepare(key, parts)
	} else {
		s.mu.Unlock()
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq = next.seq
	*st = next
	count(st)
	s.install(bodies)
}

// Ready reports whether every declared collector has finished a run.
func (s *Store) Ready() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.collectors {
		if !st.ran {
			return false
		}
	}
	return true
}

func (s *Store) state(collector string) *collectorState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.collectors[collector]
}

// fresh returns the families of every collector whose data may be exposed
// now, and a key that changes whenever that set or any of its results does.
func (s *Store) fresh() (key string, parts [][]result.Family) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.freshAt(s.now(), "", nil)
}

// freshAt is fresh at now, with collector counted in state next when next
// is not nil. s.mu must be held.
func (s *Store) freshAt(now time.Time, collector string, next *collectorState) (key string, parts [][]result.Family) {
	names := make([]string, 0, len(s.collectors))
	state := func(name string) *collectorState {
		if name == collector && next != nil {
			return next
		}
		return s.collectors[name]
	}
	for name := range s.collectors {
		if st := state(name); st.up && now.Sub(st.lastSuccess) <= st.info.Staleness {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	k := make([]byte, 0, 16*len(names))
	for _, name := range names {
		st := state(name)
		k = fmt.Appendf(k, "%s=%d;", name, st.seq)
		parts = append(parts, st.families)
	}
	return string(k), parts
}
