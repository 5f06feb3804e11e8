// Package scheduler runs every collector on its own interval in the
// background and publishes results to the snapshot store. The database load
// is one query per collector per interval, whatever the number of scrapers.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/result"
	"github.com/kos-ops/kos_exporter/exporter/snapshot"
	"github.com/kos-ops/kos_exporter/exporter/sqlrun"
)

// maxSpread bounds the first-run offset, so a collector with an hourly
// interval still has data (and the exporter is ready) within a minute.
const maxSpread = time.Minute

// Scheduler owns the target pools and one loop per collector.
type Scheduler struct {
	store  *snapshot.Store
	logger *slog.Logger
	// maxSpread is the package's maxSpread. It is a field because the
	// tests lower it: they apply hourly collectors (so that none runs
	// twice while they look) and wait for the first runs, which would
	// otherwise come up to a minute after the start.
	maxSpread time.Duration

	mu      sync.Mutex
	targets map[string]*target
	loops   map[string]*loop
}

type target struct {
	cfg  *config.Target
	pool *sqlrun.Target
}

type loop struct {
	cfg    *config.Collector
	pool   *sqlrun.Target
	cancel context.CancelFunc
	done   chan struct{}
	// day is a since_midnight collector's base, used by the loop alone;
	// rebase asks the loop to count it again (a reload that kept it).
	day    *sqlrun.Day
	rebase atomic.Bool
}

// New returns a scheduler with nothing running; Apply starts the work.
func New(store *snapshot.Store, logger *slog.Logger) *Scheduler {
	return &Scheduler{store: store, logger: logger, maxSpread: maxSpread, targets: map[string]*target{}, loops: map[string]*loop{}}
}

// Apply makes cfg the running configuration. Collectors whose definition
// and target are unchanged keep running undisturbed (no extra queries on a
// reload); others are stopped and started anew. If a target cannot be set
// up, nothing changes and the error says why.
func (s *Scheduler) Apply(cfg *config.Config) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	// Open every new or changed target first, so a failure changes nothing.
	next := make(map[string]*target, len(cfg.Targets))
	var opened []*target
	for _, tc := range cfg.Targets {
		if old, ok := s.targets[tc.Name]; ok && old.cfg.Equal(tc) {
			next[tc.Name] = old
			continue
		}
		pool, err := sqlrun.Open(tc)
		if err != nil {
			for _, t := range opened {
				t.pool.Close()
			}
			return fmt.Errorf("%s: %w", tc.Pos, err)
		}
		t := &target{cfg: tc, pool: pool}
		next[tc.Name] = t
		opened = append(opened, t)
	}

	infos := make([]snapshot.CollectorInfo, 0, len(cfg.Collectors))
	keep := map[string]*loop{}
	var start []*config.Collector
	for _, cc := range cfg.Collectors {
		pool := next[cc.Target].pool
		rev := cc.Revision()
		infos = append(infos, snapshot.CollectorInfo{Name: cc.Name, Target: cc.Target, Staleness: cc.Staleness, Revision: rev})
		if old, ok := s.loops[cc.Name]; ok && old.pool == pool && old.cfg.Revision() == rev {
			keep[cc.Name] = old
			// A reload counts every base again: the operator may have
			// reloaded because the data was corrected.
			old.rebase.Store(true)
			continue
		}
		start = append(start, cc)
	}
	for name, l := range s.loops {
		if keep[name] != l {
			l.stop()
		}
	}
	for name, t := range s.targets {
		if next[name] != t {
			t.pool.Close()
		}
	}
	s.targets = next
	s.store.SetCollectors(infos)
	s.loops = keep
	for _, cc := range start {
		ctx, cancel := context.WithCancel(context.Background())
		l := &loop{cfg: cc, pool: next[cc.Target].pool, cancel: cancel, done: make(chan struct{})}
		if cc.SinceMidnight != nil {
			l.day = sqlrun.NewDay()
		}
		s.loops[cc.Name] = l
		go s.run(ctx, l)
	}
	return nil
}

// Stop ends every loop, waiting for running queries to be cancelled, and
// closes the pools.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.loops {
		l.stop()
	}
	for _, t := range s.targets {
		t.pool.Close()
	}
	s.loops = map[string]*loop{}
	s.targets = map[string]*target{}
}

func (l *loop) stop() {
	l.cancel()
	<-l.done
}

// run executes the collector on a fixed cadence. The first run waits the
// collector's offset (see firstRunOffset); later runs keep that phase and
// skip missed ticks, so one slow run never causes a burst.
func (s *Scheduler) run(ctx context.Context, l *loop) {
	defer close(l.done)
	c := l.cfg
	logger := s.logger.With("collector", c.Name, "target", c.Target)
	next := time.Now().Add(firstRunOffset(c, s.maxSpread))
	var lastSkips map[result.Skip]int
	for {
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		lastSkips = s.runOnce(ctx, l, logger, lastSkips)
		for now := time.Now(); !next.After(now); {
			next = next.Add(c.Interval)
		}
	}
}

// firstRunOffset spreads collectors over their interval, so many
// collectors started together (at start-up, or by a reload) do not hit
// their databases in the same second, then and on every later interval.
// The offset is a hash of target and name, so it is the same on every
// start and needs no clock to test. It stays below interval − timeout (but
// spans at least half the interval, and at most limit), so a first run that
// ends within its timeout is exposed within one interval of the start.
func firstRunOffset(c *config.Collector, limit time.Duration) time.Duration {
	window := min(max(c.Interval-c.Timeout, c.Interval/2), limit)
	if window <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(c.Target))
	h.Write([]byte{0})
	h.Write([]byte(c.Name))
	return time.Duration(h.Sum64() % uint64(window))
}

// runOnce runs the query and publishes the outcome. It returns the run's
// skipped values so that repeated identical warnings are logged once.
func (s *Scheduler) runOnce(ctx context.Context, l *loop, logger *slog.Logger, lastSkips map[result.Skip]int) map[result.Skip]int {
	c := l.cfg
	s.store.RunStarted(c.Name)
	began := time.Now()
	res, err := s.query(ctx, l)
	took := time.Since(began)
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
		return lastSkips // stopped by a reload or shutdown, not a failure
	}
	if err != nil {
		var runErr *sqlrun.RunError
		reason, reached := result.ReasonSQL, true
		if errors.As(err, &runErr) {
			reason, reached = runErr.Reason, runErr.Reached
		}
		s.store.Fail(c.Name, reason, reached, took)
		logger.Warn("Collector run failed", "reason", reason, "duration", took, "err", err)
		return nil
	}
	s.store.Publish(c.Name, res, took)
	for skip, n := range res.Skipped {
		level := slog.LevelWarn
		if lastSkips[skip] > 0 {
			level = slog.LevelDebug
		}
		logger.Log(ctx, level, "Values skipped", "metric", skip.Metric, "column", skip.Column, "reason", skip.Reason, "count", n)
	}
	logger.Debug("Collector run succeeded", "series", res.Series, "duration", took)
	return res.Skipped
}

// query runs the collector once: one query, or a since_midnight
// collector's parts, each timed in the store.
func (s *Scheduler) query(ctx context.Context, l *loop) (*result.Result, error) {
	if l.day == nil {
		return l.pool.Run(ctx, l.cfg)
	}
	if l.rebase.Swap(false) {
		l.day.Reset()
	}
	res, parts, err := l.pool.RunDay(ctx, l.cfg, l.day)
	for _, p := range parts {
		s.store.ObservePart(l.cfg.Name, string(p.Part), p.Took)
	}
	return res, err
}

// Collector exposes the pools' connection statistics (go_sql_* by db_name).
func (s *Scheduler) Collector() prometheus.Collector { return poolStats{s} }

type poolStats struct{ s *Scheduler }

func (poolStats) Describe(chan<- *prometheus.Desc) {}

func (p poolStats) Collect(ch chan<- prometheus.Metric) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	for name, t := range p.s.targets {
		collectors.NewDBStatsCollector(t.pool.DB(), name).Collect(ch)
	}
}
