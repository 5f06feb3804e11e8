package launchsim

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// LoadStats is what Load wrote and how long it took.
type LoadStats struct {
	Rows     map[string]int64 // live and call-log rows by table
	Generate time.Duration    // generating and inserting the rows
	Index    time.Duration    // creating the secondary indexes afterwards
	Total    time.Duration
}

// historyTables are the tables Load fills row by row: their secondary
// indexes are dropped for the load and created after it (faster than
// keeping them up to date row by row).
var historyTables = []string{"activation", "mnp_request", "insurance_signup", "wait_queue", "ota_update", "error_queue", "agency_call", "product_call"}

// dailyTables hold the running totals Load adds up from the same rows.
var dailyTables = []string{"activation_daily", "mnp_daily", "agency_call_daily", "product_call_daily", "wait_queue_daily", "ota_daily", "error_queue_daily"}

// Load fills db, a real MySQL/MariaDB, with days of history and the launch
// day up to now in bulk: the plan's day as it would stand at Options.Start
// (default the opening) if the launch had opened Start minus opening ago,
// every earlier day the plan's hourly shape without pre-orders. Every item
// is played through at a speed of 1 with no incident: what finished by now
// is finished, the rest is pending, and the *_daily totals are the sums of
// the same rows. The KOS tables (not the reference tables) are emptied
// first. The call logs (agency_call, product_call) that only
// collectors-live.yaml reads are filled too.
func Load(ctx context.Context, db *sql.DB, opt Options, h History) (LoadStats, error) {
	began := time.Now()
	if h.Days < 0 || h.Conns < 0 {
		return LoadStats{}, errors.New("launchsim: load: history days and connections must not be negative")
	}
	if h.Conns == 0 {
		h.Conns = defaultLoadConns
	}
	for _, t := range append(slices.Clone(historyTables), dailyTables...) {
		// The tables may not exist yet; New creates them.
		if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+t); err != nil {
			return LoadStats{}, fmt.Errorf("launchsim: load: emptying %s: %w", t, err)
		}
	}
	s, err := New(ctx, db, opt)
	if err != nil {
		return LoadStats{}, err
	}
	indexes := map[string][]indexDef{}
	for _, t := range historyTables {
		if indexes[t], err = dropSecondaryIndexes(ctx, db, t); err != nil {
			return LoadStats{}, fmt.Errorf("launchsim: load: %w", err)
		}
	}
	g := &generator{s: s, now: s.start, w: newBulkWriter(ctx, db, h.Conns), daily: newBatch(), rows: map[string]int64{}}
	g.gen(ctx, h.Days)
	if err := g.w.close(); err != nil {
		return LoadStats{}, fmt.Errorf("launchsim: load: %w", err)
	}
	if err := g.daily.flush(ctx, db); err != nil {
		return LoadStats{}, fmt.Errorf("launchsim: load: daily totals: %w", err)
	}
	st := LoadStats{Rows: g.rows, Generate: time.Since(began)}
	s.log.Info("rows loaded, creating indexes", "took", st.Generate.Round(time.Millisecond), "rows", g.rows)
	for _, t := range historyTables {
		if err := createIndexes(ctx, db, t, indexes[t]); err != nil {
			return LoadStats{}, fmt.Errorf("launchsim: load: %w", err)
		}
		// The optimizer judges the collectors' plans on these statistics.
		if _, err := db.ExecContext(ctx, "ANALYZE TABLE "+t); err != nil {
			return LoadStats{}, fmt.Errorf("launchsim: load: analyze %s: %w", t, err)
		}
	}
	st.Total = time.Since(began)
	st.Index = st.Total - st.Generate
	return st, nil
}

// History is what Load adds before the launch day.
type History struct {
	Days int // days of history before the launch day
	// Conns is how many connections insert at once; default 3. The
	// in-process server needs 1: its tables lose concurrent writes.
	Conns int
}

// defaultLoadConns keeps a 2-core server busy: the generator needs a
// fraction of a core, the server parses and inserts.
const defaultLoadConns = 3

// generator plays the items arriving before now through to their state at
// now and hands the rows to the writer.
type generator struct {
	s     *Sim
	now   time.Time
	w     *bulkWriter
	daily *batch // only its daily totals are used
	rows  map[string]int64
}

type arrival struct {
	at   time.Duration // simulated, after the launch opening
	kind int           // stream
}

// gen creates the arrivals from days before the launch day's opening to
// now, an hour at a time in time order, until ctx ends.
func (g *generator) gen(ctx context.Context, days int) {
	s := g.s
	from := -time.Duration(days) * 24 * time.Hour
	streams := newStreams(s.opt.Seed, s.plan, from)
	var hour []arrival
	for h := from; h < s.offset && ctx.Err() == nil; h += time.Hour {
		until := min(h+time.Hour, s.offset)
		hour = hour[:0]
		for i, st := range streams {
			st.until(until, func(at time.Duration) { hour = append(hour, arrival{at, i}) })
		}
		slices.SortStableFunc(hour, func(a, b arrival) int { return cmp.Compare(a.at, b.at) })
		for _, a := range hour {
			at := s.start.Add(a.at - s.offset) // speed 1
			switch a.kind {
			case streamPreorder, streamWalkIn:
				g.activation(at, a.kind == streamPreorder)
			case streamPortOut:
				g.mnp(at, "out", 0)
			case streamQueue:
				g.queueItem(at)
			}
		}
		if h%(24*time.Hour) == 0 && h < 0 {
			s.log.Info("generating", "day", s.day(s.start.Add(h-s.offset)), "activations", g.rows["activation"], "agency_calls", g.rows["agency_call"])
		}
	}
}

// done reports whether what is due at t has happened by now.
func (g *generator) done(t time.Time) bool { return !t.After(g.now) }

// row hands one row of table to the writer.
func (g *generator) row(table string, cols []string, vals ...any) {
	g.rows[table]++
	g.w.add(table, cols, vals)
}

var (
	activationLoadCols = append(slices.Clone(activationCols), "finished_at")
	mnpLoadCols        = append(slices.Clone(mnpCols), "opening_at")
	insuranceLoadCols  = append(slices.Clone(insuranceCols), "mobins_synced_at", "finished_at")
	queueLoadCols      = append(slices.Clone(queueCols), "served_at")
	otaLoadCols        = append(slices.Clone(otaCols), "finished_at")
	errorLoadCols      = append(slices.Clone(errorCols), "finished_at")
	agencyCallCols     = []string{"id", "called_at", "agency", "operation", "result", "latency_seconds"}
	productCallCols    = []string{"id", "called_at", "product", "operation", "result"}
)

func (g *generator) activation(at time.Time, preorder bool) {
	s := g.s
	id := s.id("activation")
	p := s.drawActivation(id)
	process := p.process
	if preorder {
		process = p.preorderProcess
	}
	g.daily.add("activation_daily", activationDailyKey, []any{s.day(at), p.model, p.kind, p.channel}, "requested", 1)
	if p.kind == kindPortIn {
		g.mnp(at, "in", id)
	}
	fin := at.Add(process)
	if !g.done(fin) {
		g.row("activation", activationLoadCols, id, s.ts(at), p.model, p.storage, p.kind, p.channel, "in_progress", nil)
		return
	}
	day := s.day(fin)
	for i, c := range calls {
		if !p.makes(i, s.switches, nil) {
			continue
		}
		result, latency := callOutcome(p.callLatency[i], p.callErr[i], c.errRate)
		g.row("agency_call", agencyCallCols, s.id("agency_call"), s.ts(fin), c.agency, c.operation, result, latency)
		key := []any{day, c.agency, c.operation, latencyBucket(latency)}
		g.daily.add("agency_call_daily", agencyDailyKey, key, result, 1)
		g.daily.add("agency_call_daily", agencyDailyKey, key, "latency_sum_seconds", latency)
		if i == callGuarantee && result != "ok" {
			g.errorItem(fin, "sgi_guarantee", id)
		}
	}
	for i, pr := range products {
		if !p.takes(i) {
			continue
		}
		result := p.productResult(i, false)
		if result == "failed" {
			g.errorItem(fin, "product_call", id)
		}
		g.row("product_call", productCallCols, s.id("product_call"), s.ts(fin), pr.name, pr.operation, result)
		g.daily.add("product_call_daily", productDailyKey, []any{day, pr.name, pr.operation}, result, 1)
	}
	key := []any{day, p.model, p.kind, p.channel}
	if p.fail < activationFailRate {
		g.row("activation", activationLoadCols, id, s.ts(at), p.model, p.storage, p.kind, p.channel, "failed", s.ts(fin))
		g.daily.add("activation_daily", activationDailyKey, key, "failed", 1)
		return
	}
	g.row("activation", activationLoadCols, id, s.ts(at), p.model, p.storage, p.kind, p.channel, "completed", s.ts(fin))
	g.daily.add("activation_daily", activationDailyKey, key, "completed", 1)
	if p.insured {
		g.daily.add("activation_daily", activationDailyKey, key, "insured", 1)
		skipped := !p.makes(callPrecheck, g.s.switches, nil)
		if skipped {
			g.daily.add("activation_daily", activationDailyKey, key, "precheck_skipped", 1)
		}
		g.insurance(fin, id, p, skipped)
	}
	if p.ota {
		g.ota(fin, id)
	}
}

func (g *generator) mnp(at time.Time, direction string, activationID int64) {
	s := g.s
	id := s.id("mnp_request")
	p := s.mnpPlan(id)
	var actID any
	if activationID != 0 {
		actID = activationID
	}
	g.daily.add("mnp_daily", mnpDailyKey, []any{s.day(at), direction, p.carrier}, "requested", 1)
	settled := at.Add(p.delay)
	state, openingAt := "pending", any(nil)
	if g.done(settled) {
		key := []any{s.day(settled), direction, p.carrier}
		state, openingAt = "generated", s.ts(settled)
		if p.fail < openingFailRate {
			state = "failed"
			g.errorItem(settled, "mnp_opening", id)
		}
		g.daily.add("mnp_daily", mnpDailyKey, key, "opening_"+state, 1)
	}
	g.row("mnp_request", mnpLoadCols, id, actID, direction, p.carrier, s.ts(at), state, openingAt)
}

func (g *generator) insurance(signed time.Time, activationID int64, a activationPlan, skipped bool) {
	s := g.s
	id := s.id("insurance_signup")
	p := s.insurancePlan(id)
	mobins := signed.Add(p.mobinsDelay)
	kait := mobins.Add(p.kaitDelay)
	var state string
	var mobinsAt, finished any
	switch {
	case !g.done(mobins):
		state = "mobins_pending"
	case !g.done(kait):
		state, mobinsAt = "kait_pending", s.ts(mobins)
	default:
		state, mobinsAt, finished = "synced", s.ts(mobins), s.ts(kait)
	}
	g.row("insurance_signup", insuranceLoadCols, id, activationID, a.model, a.kind, a.channel, s.ts(signed), state, skipped, mobinsAt, finished)
}

func (g *generator) ota(requested time.Time, activationID int64) {
	s := g.s
	id := s.id("ota_update")
	p := s.otaPlan(id)
	g.daily.add("ota_daily", dayOnlyKey, []any{s.day(requested)}, "requested", 1)
	done := requested.Add(p.delay)
	if !g.done(done) {
		g.row("ota_update", otaLoadCols, id, activationID, s.ts(requested), "pending", nil)
		return
	}
	state := "completed"
	if p.fail < otaFailRate {
		state = "failed"
		g.errorItem(done, "ota", id)
	}
	g.daily.add("ota_daily", dayOnlyKey, []any{s.day(done)}, state, 1)
	g.row("ota_update", otaLoadCols, id, activationID, s.ts(requested), state, s.ts(done))
}

func (g *generator) queueItem(at time.Time) {
	s := g.s
	id := s.id("wait_queue")
	if day := s.day(at); day != s.queueDay {
		s.queueDay, s.queuePos = day, 0
	}
	s.queuePos++
	q := s.queuePlan(id, false)
	g.daily.add("wait_queue_daily", dayOnlyKey, []any{s.day(at)}, "enqueued", 1)
	served := at.Add(q.wait)
	state, servedAt := "waiting", any(nil)
	if g.done(served) {
		state, servedAt = "served", s.ts(served)
		g.daily.add("wait_queue_daily", dayOnlyKey, []any{s.day(served)}, "served", 1)
	}
	g.row("wait_queue", queueLoadCols, id, s.queuePos, q.model, q.storage, q.below, s.ts(at), state, servedAt)
}

// errorItem queues a failed transaction and plays its reprocessing
// attempts (every retryEvery, as Sim.retry does) up to now.
func (g *generator) errorItem(enqueued time.Time, reason string, refID int64) {
	s := g.s
	id := s.id("error_queue")
	g.daily.add("error_queue_daily", errorDailyKey, []any{s.day(enqueued), reason}, "enqueued", 1)
	state, retries, finished := "queued", 0, any(nil)
	for n := 1; n <= maxRetries && s.switches[SwitchAutoReprocess]; n++ {
		t := enqueued.Add(time.Duration(n) * retryEvery)
		if !g.done(t) {
			break
		}
		key := []any{s.day(t), reason}
		if retryOK(s.opt.Seed, id, n) {
			state, retries, finished = "resolved", n, s.ts(t)
			g.daily.add("error_queue_daily", errorDailyKey, key, "reprocessed_ok", 1)
			break
		}
		retries = n
		g.daily.add("error_queue_daily", errorDailyKey, key, "reprocess_failed", 1)
		if n == maxRetries {
			state, finished = "given_up", s.ts(t)
			g.daily.add("error_queue_daily", errorDailyKey, key, "given_up", 1)
		}
	}
	g.row("error_queue", errorLoadCols, id, reason, refID, s.ts(enqueued), retries, state, finished)
}

// ClockZone is the fixed UTC offset ("+05:45") in which now reads as clock
// after midnight, to the minute, for the session time_zone of a database
// that Load fills at a launch-day time other than the real time of day:
// with it, CURDATE() is the launch day and NOW() its simulated time. The
// offset is within ±12 h, which MySQL and MariaDB accept.
func ClockZone(now time.Time, clock time.Duration) string {
	u := now.UTC()
	sinceMidnight := time.Duration(u.Hour())*time.Hour + time.Duration(u.Minute())*time.Minute
	off := (clock - sinceMidnight).Truncate(time.Minute) % (24 * time.Hour)
	switch {
	case off >= 12*time.Hour:
		off -= 24 * time.Hour
	case off < -12*time.Hour:
		off += 24 * time.Hour
	}
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%c%02d:%02d", sign, int(off.Hours()), int(off.Minutes())%60)
}
