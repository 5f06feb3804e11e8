// Package launchsim drives the KOS reference schema like a launch day: an
// opening burst of activations with their agency and product calls, MNP
// requests, insurance sync, the wait queue, OTA updates and the error
// queue, plus injectable incidents and operational switches.
//
// Timestamps are real wall-clock times (the exporter's collectors compare
// them with the database's NOW()); Options.Speed compresses only the day's
// traffic profile. Delays are real seconds, so when an incident holds items
// back, their ages grow as they would on the day. Given a seed and the same
// sequence of clock readings, Step writes the same rows.
package launchsim

import (
	"cmp"
	"container/heap"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/kos-ops/kos_exporter/schema"
)

// Options configures a Sim. Zero values take the defaults noted.
type Options struct {
	Seed             uint64
	Speed            float64       // simulated seconds per real second; default 60
	DailyActivations int           // activations per simulated day; default 20000
	Retention        time.Duration // finished live rows kept this long; default 15s
	Tick             time.Duration // Run's step interval; default 1s
	Schedule         []Action      // incidents and switch changes after the start
	Now              func() time.Time
	Logger           *slog.Logger
	// Schema is what New creates where tables are missing; use
	// schema.PrimaryKeysOnly on go-mysql-server.
	Schema schema.Variant
}

func (o *Options) setDefaults() error {
	if o.Speed == 0 {
		o.Speed = 60
	}
	if o.DailyActivations == 0 {
		o.DailyActivations = 20000
	}
	if o.Retention == 0 {
		o.Retention = 15 * time.Second
	}
	if o.Tick == 0 {
		o.Tick = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case o.Speed < 0:
		return fmt.Errorf("speed %g must be positive", o.Speed)
	case o.DailyActivations < 0:
		return fmt.Errorf("daily activations %d must be positive", o.DailyActivations)
	case o.Retention < 0 || o.Tick < 0:
		return errors.New("retention and tick must be positive")
	}
	for _, a := range o.Schedule {
		check := checkIncident
		if a.Switch {
			check = checkSwitch
		}
		if err := check(a.Name); err != nil {
			return err
		}
	}
	return nil
}

// Rates that incidents change.
const (
	sgiIncidentErrRate     = 0.35
	openingFailRate        = 0.01
	openingIncidentFail    = 0.4
	otaFailRate            = 0.01
	belowThresholdRate     = 0.05
	belowThresholdIncident = 0.4
	kaitLagFactor          = 20 // KAIT pre-check latency multiplier
	reprocessOKRate        = 0.8
	maxRetries             = 5
	retryEvery             = 30 * time.Second
	pruneEvery             = 5 * time.Second
	dailyRetention         = 24 * time.Hour // yesterday's totals stay for a look back
)

// Sim is one simulated KOS. Its methods are safe for concurrent use.
type Sim struct {
	db      *sql.DB
	opt     Options
	log     *slog.Logger
	loc     *time.Location // the database's time zone
	profile profile
	start   time.Time

	mu        sync.Mutex
	incidents map[string]bool
	switches  map[string]bool
	schedule  []Action // sorted by At, consumed from the front
	streams   [3]*stream
	events    eventHeap
	held      [numStages][]event
	seq       uint64
	nextID    map[string]int64
	queueDay  string // the wait queue's positions restart every day
	queuePos  int64
	lastPrune time.Time
}

// Arrival streams, as shares of the activation rate.
const (
	streamActivation = iota
	streamPortOut
	streamQueue
)

// New prepares db: creates missing tables, seeds the reference tables,
// loads the switches' current state and closes rows a previous run left
// unfinished. The simulated day opens (08:00) at opt.Now().
func New(ctx context.Context, db *sql.DB, opt Options) (*Sim, error) {
	if err := opt.setDefaults(); err != nil {
		return nil, fmt.Errorf("launchsim: %w", err)
	}
	s := &Sim{
		db:        db,
		opt:       opt,
		log:       opt.Logger,
		profile:   newProfile(opt.DailyActivations),
		incidents: map[string]bool{},
		switches:  map[string]bool{},
		nextID:    map[string]int64{},
		schedule:  slices.SortedStableFunc(slices.Values(opt.Schedule), func(a, b Action) int { return cmp.Compare(a.At, b.At) }),
	}
	s.streams[streamActivation] = newStream(opt.Seed, streamActivation, 1, s.profile)
	s.streams[streamPortOut] = newStream(opt.Seed, streamPortOut, 0.28, s.profile)
	s.streams[streamQueue] = newStream(opt.Seed, streamQueue, 0.15, s.profile)
	if err := s.prepare(ctx); err != nil {
		return nil, fmt.Errorf("launchsim: %w", err)
	}
	s.start = opt.Now()
	s.lastPrune = s.start
	return s, nil
}

// liveTables and the column set when a row is finished (NULL before).
var liveTables = []struct{ name, state, finished string }{
	{"activation", "state", "finished_at"},
	{"mnp_request", "opening_state", "opening_at"},
	{"insurance_signup", "sync_state", "finished_at"},
	{"wait_queue", "state", "served_at"},
	{"ota_update", "state", "finished_at"},
	{"error_queue", "state", "finished_at"},
}

func (s *Sim) prepare(ctx context.Context) error {
	if err := schema.Apply(ctx, s.db, s.opt.Schema); err != nil {
		return err
	}
	var offset int
	if err := s.db.QueryRowContext(ctx, "SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW())").Scan(&offset); err != nil {
		return fmt.Errorf("reading the database time zone: %w", err)
	}
	// Whole minutes: the difference of two clock readings may straddle a second.
	s.loc = time.FixedZone("db", int((time.Duration(offset)*time.Second).Round(time.Minute)/time.Second))
	now := s.ts(s.opt.Now())
	for _, d := range switchDefs {
		if _, err := s.db.ExecContext(ctx, "INSERT IGNORE INTO ref_switch (name, is_on, changed_at, changed_by, description) VALUES (?, ?, ?, 'kos_launchsim', ?)",
			d.name, d.on, now, d.description); err != nil {
			return fmt.Errorf("seeding ref_switch: %w", err)
		}
	}
	for _, m := range models {
		if _, err := s.db.ExecContext(ctx, "INSERT IGNORE INTO ref_model (model, subsidy_applied_at, insurance_applied_at) VALUES (?, ?, ?)", m.v, now, now); err != nil {
			return fmt.Errorf("seeding ref_model: %w", err)
		}
	}
	if err := s.loadSwitches(ctx); err != nil {
		return err
	}
	for _, t := range liveTables {
		if _, err := s.db.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s = 'abandoned', %s = ? WHERE %s IS NULL", t.name, t.state, t.finished, t.finished), now); err != nil {
			return fmt.Errorf("closing rows left by a previous run in %s: %w", t.name, err)
		}
		// Not MAX(id): go-mysql-server returns no row for it on an empty table.
		var last int64
		err := s.db.QueryRowContext(ctx, "SELECT id FROM "+t.name+" ORDER BY id DESC LIMIT 1").Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("reading ids of %s: %w", t.name, err)
		}
		s.nextID[t.name] = last
	}
	s.queueDay = s.opt.Now().In(s.loc).Format(time.DateOnly)
	if err := s.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(position), 0) FROM wait_queue WHERE enqueued_at >= ?", s.queueDay).Scan(&s.queuePos); err != nil {
		return fmt.Errorf("reading today's wait-queue positions: %w", err)
	}
	return nil
}

func (s *Sim) loadSwitches(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, "SELECT name, is_on FROM ref_switch")
	if err != nil {
		return fmt.Errorf("reading ref_switch: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var on bool
		if err := rows.Scan(&name, &on); err != nil {
			return fmt.Errorf("reading ref_switch: %w", err)
		}
		s.switches[name] = on
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading ref_switch: %w", err)
	}
	return nil
}

// Run steps every Tick until ctx ends. A failed step is logged and retried
// on the next tick; Run returns nil when ctx is cancelled.
func (s *Sim) Run(ctx context.Context) error {
	t := time.NewTicker(s.opt.Tick)
	defer t.Stop()
	for {
		began := time.Now()
		if err := s.Step(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("step failed", "err", err)
		}
		if took := time.Since(began); took > s.opt.Tick {
			s.log.Warn("step took longer than the tick: the database is not keeping up", "took", took, "tick", s.opt.Tick)
		} else {
			s.log.Debug("step", "took", took)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Step advances the simulation to Options.Now(): applies scheduled actions,
// creates the arrivals since the last step, completes what is due, writes
// it all in one transaction and prunes finished rows past the retention.
func (s *Sim) Step(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Now()
	for len(s.schedule) > 0 && now.Sub(s.start) >= s.schedule[0].At {
		a := s.schedule[0]
		s.schedule = s.schedule[1:]
		if err := s.apply(ctx, a, now); err != nil {
			return err
		}
	}
	b := newBatch()
	s.arrive(b, now)
	s.complete(b, now)
	if err := b.flush(ctx, s.db); err != nil {
		return fmt.Errorf("launchsim: step: %w", err)
	}
	if now.Sub(s.lastPrune) >= pruneEvery {
		s.lastPrune = now
		if err := s.prune(ctx, now); err != nil {
			return fmt.Errorf("launchsim: prune: %w", err)
		}
	}
	return nil
}

func (s *Sim) apply(ctx context.Context, a Action, now time.Time) error {
	if a.Switch {
		return s.setSwitch(ctx, a.Name, a.On, "kos_launchsim schedule", now)
	}
	s.setIncident(a.Name, a.On)
	return nil
}

func (s *Sim) arrive(b *batch, now time.Time) {
	simNow := time.Duration(float64(now.Sub(s.start)) * s.opt.Speed)
	at := func(sim time.Duration) time.Time {
		return s.start.Add(time.Duration(float64(sim) / s.opt.Speed))
	}
	s.streams[streamActivation].until(simNow, s.profile, func(t time.Duration) { s.newActivation(b, at(t)) })
	s.streams[streamPortOut].until(simNow, s.profile, func(t time.Duration) { s.newMNP(b, at(t), "out", 0) })
	s.streams[streamQueue].until(simNow, s.profile, func(t time.Duration) { s.newQueueItem(b, at(t)) })
}

// blocked reports whether an incident or switch holds a stage back.
func (s *Sim) blocked(st stage) bool {
	switch st {
	case stageActivation:
		return s.incidents[ActivationStall]
	case stageKait:
		return s.incidents[KaitLag] && !s.switches[SwitchKaitSkip]
	case stageOTA:
		return s.incidents[OTADelay]
	case stageServe:
		return s.incidents[QueueBacklog]
	case stageRetry:
		return !s.switches[SwitchAutoReprocess]
	}
	return false
}

func (s *Sim) complete(b *batch, now time.Time) {
	for st := range numStages {
		if len(s.held[st]) > 0 && !s.blocked(st) {
			for _, e := range s.held[st] {
				s.handle(b, now, e)
			}
			s.held[st] = nil
		}
	}
	for len(s.events) > 0 && !s.events[0].due.After(now) {
		e := heap.Pop(&s.events).(event)
		if s.blocked(e.stage) {
			s.held[e.stage] = append(s.held[e.stage], e)
			continue
		}
		s.handle(b, now, e)
	}
}

func (s *Sim) handle(b *batch, now time.Time, e event) {
	switch e.stage {
	case stageActivation:
		s.completeActivation(b, now, e.id)
	case stageOpening:
		s.settleOpening(b, now, e.id, e.aux)
	case stageMobins:
		s.mobinsSynced(b, now, e.id)
	case stageKait:
		s.kaitSynced(b, now, e.id)
	case stageOTA:
		s.completeOTA(b, now, e.id)
	case stageServe:
		s.serve(b, now, e.id)
	case stageRetry:
		s.retry(b, now, e.id, e.n, e.aux)
	}
}

func (s *Sim) schedule1(st stage, due time.Time, id int64, aux string, n int) {
	s.seq++
	heap.Push(&s.events, event{due: due, seq: s.seq, stage: st, id: id, aux: aux, n: n})
}

func (s *Sim) id(table string) int64 {
	s.nextID[table]++
	return s.nextID[table]
}

// ts formats t as a DATETIME in the database's time zone.
func (s *Sim) ts(t time.Time) string { return t.In(s.loc).Format(time.DateTime) }

// day is the daily tables' key for t.
func (s *Sim) day(t time.Time) string { return t.In(s.loc).Format(time.DateOnly) }

func (s *Sim) prune(ctx context.Context, now time.Time) error {
	cutoff := s.ts(now.Add(-s.opt.Retention))
	for _, t := range liveTables {
		if _, err := s.db.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s < ?", t.name, t.finished), cutoff); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	old := s.day(now.Add(-dailyRetention))
	for _, t := range []string{"activation_daily", "mnp_daily", "agency_call_daily", "product_call_daily", "wait_queue_daily", "ota_daily", "error_queue_daily"} {
		if _, err := s.db.ExecContext(ctx, "DELETE FROM "+t+" WHERE day < ?", old); err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
	}
	return nil
}
