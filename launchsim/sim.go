// Package launchsim drives the KOS reference schema like a launch day
// (LaunchPlan): pre-orders activated in a burst from the opening, then
// walk-in activations by the hour, with their agency and product calls, MNP
// requests, insurance sync, the wait queue, OTA updates and the error
// queue, plus injectable incidents and operational switches.
//
// A simulated clock starts at the plan's opening (or Options.Start) when the
// Sim is created and runs Options.Speed times faster than real time: it
// drives the arrivals and every processing delay. Timestamps written are
// real wall-clock times (the exporter's collectors compare them with the
// database's NOW()), and incidents hold items back in real time, so ages
// grow as they would on the day. Given a seed and the same sequence of clock
// readings, Step writes the same rows.
package launchsim

import (
	"cmp"
	"container/heap"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/kos-ops/kos_exporter/schema"
)

// Options configures a Sim. Zero values take the defaults noted.
type Options struct {
	Seed  uint64
	Speed float64     // simulated seconds per real second; default 60
	Plan  *LaunchPlan // the day to play; default DefaultPlan()
	// Start is the simulated time when the Sim is created; default the
	// plan's opening on the day Now() falls on in the plan's time zone.
	Start time.Time
	// Retention is how long finished live rows and the call logs stay
	// (real time); 0 deletes rows as they finish and logs no call: no gauge
	// reads them, collectors.yaml's counters read *_daily.
	Retention time.Duration
	Tick      time.Duration // Run's step interval; default 1s
	// BlipLength is how long each agency error blip of the agency_blips
	// incident lasts (real time); one starts every blipEvery lengths.
	// Default 30s.
	BlipLength time.Duration
	Schedule   []Action // incidents and switch changes after the start (real time)
	Now        func() time.Time
	Logger     *slog.Logger
	// Schema is what New creates where tables are missing; use
	// schema.InProcess on go-mysql-server.
	Schema schema.Variant
}

func (o *Options) setDefaults() error {
	if o.Speed == 0 {
		o.Speed = 60
	}
	if o.Plan == nil {
		p := DefaultPlan()
		o.Plan = &p
	}
	if o.Tick == 0 {
		o.Tick = time.Second
	}
	if o.BlipLength == 0 {
		o.BlipLength = 30 * time.Second
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
	case o.Retention < 0 || o.Tick < 0 || o.BlipLength < 0:
		return errors.New("retention, tick and blip length must be positive")
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
	agencySlowFactor       = 8  // NICE latency multiplier: p95 above 2 s, few timeouts
	agencyDropShare        = 0.75
	productIncidentFail    = 0.35
	kaitLagThroughput      = 10 // under kait_lag, one held KAIT sync completes per this many arrivals
	blipErrRate            = 0.3
	reprocessOKRate        = 0.8
	maxRetries             = 5
	retryEvery             = 30 * time.Minute // simulated, like every delay
	pruneEvery             = 5 * time.Second
	dailyRetention         = 24 * time.Hour // yesterday's totals stay for a look back
)

// Sim is one simulated KOS. Its methods are safe for concurrent use.
type Sim struct {
	db       *sql.DB
	opt      Options
	plan     LaunchPlan
	log      *slog.Logger
	loc      *time.Location // the database's time zone
	start    time.Time      // real time of creation
	simStart time.Time      // simulated time then
	offset   time.Duration  // simStart after the launch opening

	mu        sync.Mutex
	incidents map[string]bool
	switches  map[string]bool
	schedule  []Action // sorted by At, consumed from the front
	streams   [numStreams]*stream
	hours     map[time.Duration]int // activation requests by simulated hour, until logged
	events    eventHeap
	held      [numStages][]event
	seq       uint64
	nextID    map[string]int64
	queueDay  string // the wait queue's positions restart every day
	queuePos  int64
	lastPrune time.Time
	// The reference incidents (missing, wrong) as last written to ref_model.
	refIncidents [2]bool
	// KAIT syncs held under kait_lag so far: every kaitLagThroughput-th
	// lets the oldest held one through.
	kaitArrivals int
}

// New prepares db: creates missing tables, seeds the reference tables,
// loads the switches' current state and closes rows a previous run left
// unfinished. The simulated clock starts at Options.Start, by default the
// plan's opening of the day, whatever the time now.
func New(ctx context.Context, db *sql.DB, opt Options) (*Sim, error) {
	if err := opt.setDefaults(); err != nil {
		return nil, fmt.Errorf("launchsim: %w", err)
	}
	s := &Sim{
		db:        db,
		opt:       opt,
		plan:      *opt.Plan,
		log:       opt.Logger,
		incidents: map[string]bool{},
		switches:  map[string]bool{},
		nextID:    map[string]int64{},
		hours:     map[time.Duration]int{},
		schedule:  slices.SortedStableFunc(slices.Values(opt.Schedule), func(a, b Action) int { return cmp.Compare(a.At, b.At) }),
	}
	if err := s.prepare(ctx); err != nil {
		return nil, fmt.Errorf("launchsim: %w", err)
	}
	s.start = opt.Now()
	s.simStart = opt.Start
	if s.simStart.IsZero() {
		s.simStart = s.plan.Opening(s.start)
	}
	s.offset = s.simStart.Sub(s.plan.Opening(s.simStart))
	s.streams = newStreams(opt.Seed, s.plan, s.offset)
	s.lastPrune = s.start
	// Also drops the rows just closed as abandoned when none are kept.
	if err := s.prune(ctx, s.start); err != nil {
		return nil, fmt.Errorf("launchsim: prune: %w", err)
	}
	return s, nil
}

// callLogs are written only while rows are kept (Retention), and pruned by
// their time.
var callLogs = []struct{ name, at string }{
	{"agency_call", "called_at"},
	{"product_call", "called_at"},
}

// liveTables and the column set when a row is finished (NULL before).
var liveTables = []struct{ name, state, finished string }{
	{"activation", "state", "finished_at"},
	{"mnp_request", "opening_state", "opening_at"},
	{"insurance_signup", "sync_state", "finished_at"},
	{"wait_queue", "state", "served_at"},
	{"ota_update", "state", "finished_at"},
	{"ott_postprocess", "state", "finished_at"},
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
	if err := s.applyReference(ctx, s.opt.Now()); err != nil {
		return fmt.Errorf("seeding the reference data: %w", err)
	}
	if err := s.loadSwitches(ctx); err != nil {
		return err
	}
	for _, t := range liveTables {
		if _, err := s.db.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s = 'abandoned', %s = ? WHERE %s IS NULL", t.name, t.state, t.finished, t.finished), now); err != nil {
			return fmt.Errorf("closing rows left by a previous run in %s: %w", t.name, err)
		}
		if err := s.continueIDs(ctx, t.name); err != nil {
			return err
		}
	}
	for _, t := range callLogs {
		if err := s.continueIDs(ctx, t.name); err != nil {
			return err
		}
	}
	s.queueDay = s.opt.Now().In(s.loc).Format(time.DateOnly)
	if err := s.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(position), 0) FROM wait_queue WHERE enqueued_at >= ?", s.queueDay).Scan(&s.queuePos); err != nil {
		return fmt.Errorf("reading today's wait-queue positions: %w", err)
	}
	return nil
}

// continueIDs makes new rows of table follow those a previous run or a
// bulk load left.
func (s *Sim) continueIDs(ctx context.Context, table string) error {
	// Not MAX(id): go-mysql-server returns no row for it on an empty table.
	var last int64
	err := s.db.QueryRowContext(ctx, "SELECT id FROM "+table+" ORDER BY id DESC LIMIT 1").Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("reading ids of %s: %w", table, err)
	}
	s.nextID[table] = last
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
	if s.refIncidents != [2]bool{s.incidents[ReferenceMissing], s.incidents[ReferenceWrong]} {
		if err := s.applyReference(ctx, now); err != nil {
			return fmt.Errorf("launchsim: step: %w", err)
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

// arrive creates the arrivals up to now; simulated times are after the
// launch opening.
func (s *Sim) arrive(b *batch, now time.Time) {
	simNow := s.offset + s.simSince(now)
	at := func(sim time.Duration) time.Time {
		return s.start.Add(time.Duration(float64(sim-s.offset) / s.opt.Speed))
	}
	activation := func(preorder bool) func(time.Duration) {
		return func(t time.Duration) {
			s.hours[hourStart(t)]++
			s.newActivation(b, at(t), preorder)
		}
	}
	s.streams[streamPreorder].until(simNow, activation(true))
	s.streams[streamWalkIn].until(simNow, activation(false))
	s.streams[streamPortOut].until(simNow, func(t time.Duration) { s.newMNP(b, at(t), "out", 0) })
	s.streams[streamQueue].until(simNow, func(t time.Duration) { s.newQueueItem(b, at(t)) })
	s.logHours(hourStart(simNow))
}

// logHours reports each simulated hour before current once it is over: its
// activation requests against the plan.
func (s *Sim) logHours(current time.Duration) {
	for _, h := range slices.Sorted(maps.Keys(s.hours)) {
		if h >= current {
			break
		}
		// The first hour may have begun before the start.
		s.log.Info("simulated hour", "from", s.plan.Opening(s.simStart).Add(h).Format("2006-01-02 15:04 MST"),
			"activation_requests", s.hours[h], "planned", math.Round(s.plan.Expected(max(h, s.offset), h+time.Hour)))
		delete(s.hours, h)
	}
}

// blocked reports whether an incident or switch holds a stage back.
func (s *Sim) blocked(st stage) bool {
	switch st {
	case stageActivation:
		return s.incidents[ActivationStall]
	case stagePortIn:
		return s.incidents[ActivationStall] || s.incidents[PortInStall]
	case stageOpening:
		return s.incidents[MNPOpeningDelay]
	case stageServeBelow:
		return s.incidents[QueueBacklog] || s.incidents[StockTransferStall]
	case stageOTTPost:
		return s.incidents[OTTStall]
	case stageKait:
		return s.incidents[KaitLag]
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
			if e.stage == stageKait {
				s.trickleKait(b, now)
			}
			continue
		}
		s.handle(b, now, e)
	}
}

// trickleKait keeps the Mobins → KAIT sync running slowly under kait_lag:
// every kaitLagThroughput-th item to arrive lets the oldest held one
// through, so the backlog and its oldest age grow, but not as a stall's.
func (s *Sim) trickleKait(b *batch, now time.Time) {
	s.kaitArrivals++
	if s.kaitArrivals%kaitLagThroughput != 0 {
		return
	}
	held := s.held[stageKait]
	s.handle(b, now, held[0])
	s.held[stageKait] = held[1:]
}

func (s *Sim) handle(b *batch, now time.Time, e event) {
	switch e.stage {
	case stageActivation, stagePortIn:
		s.completeActivation(b, now, e.id)
	case stageOpening:
		s.settleOpening(b, now, e.id, e.aux)
	case stageMobins:
		s.mobinsSynced(b, now, e.id)
	case stageKait:
		s.kaitSynced(b, now, e.id)
	case stageOTA:
		s.completeOTA(b, now, e.id)
	case stageServe, stageServeBelow:
		s.serve(b, now, e.id)
	case stageOTTPost:
		s.completeOTTPost(b, now, e.id)
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
		if err := s.deleteThrough(ctx, t.name, t.finished, cutoff); err != nil {
			return err
		}
	}
	if s.keepsRows() {
		for _, t := range callLogs {
			if err := s.deleteThrough(ctx, t.name, t.at, cutoff); err != nil {
				return err
			}
		}
	}
	old := s.day(now.Add(-dailyRetention))
	for _, t := range dailyTables {
		if _, err := s.db.ExecContext(ctx, "DELETE FROM "+t+" WHERE day < ?", old); err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
	}
	return nil
}

// deleteThrough deletes the rows of table whose column is at or before
// cutoff.
func (s *Sim) deleteThrough(ctx context.Context, table, column, cutoff string) error {
	if _, err := s.db.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s <= ?", table, column), cutoff); err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	return nil
}
