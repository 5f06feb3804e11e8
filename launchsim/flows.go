package launchsim

import (
	"time"
)

var (
	activationCols     = []string{"id", "requested_at", "model", "storage", "kind", "channel", "state"}
	activationDailyKey = []string{"day", "model", "kind", "channel"}
	mnpCols            = []string{"id", "activation_id", "direction", "other_carrier", "requested_at", "opening_state"}
	mnpDailyKey        = []string{"day", "direction", "other_carrier"}
	agencyDailyKey     = []string{"day", "agency", "operation", "le"}
	productDailyKey    = []string{"day", "product", "operation"}
	insuranceCols      = []string{"id", "activation_id", "model", "kind", "channel", "signed_at", "sync_state", "precheck_skipped"}
	queueCols          = []string{"id", "position", "model", "storage", "below_threshold", "enqueued_at", "state"}
	otaCols            = []string{"id", "activation_id", "requested_at", "state"}
	ottCols            = []string{"id", "activation_id", "requested_at", "state"}
	errorCols          = []string{"id", "reason", "ref_id", "enqueued_at", "retries", "state"}
	dayOnlyKey         = []string{"day"}
	errorDailyKey      = []string{"day", "reason"}
)

func (s *Sim) drawActivation(id int64) activationPlan {
	return planActivation(entityRand(s.opt.Seed, entActivation, id), s.plan)
}

func (s *Sim) newActivation(b *batch, at time.Time, preorder bool) {
	id := s.id("activation")
	p := s.drawActivation(id)
	b.insert("activation", activationCols, id, s.ts(at), p.model, p.storage, p.kind, p.channel, "in_progress")
	b.add("activation_daily", activationDailyKey, []any{s.day(at), p.model, p.kind, p.channel}, "requested", 1)
	process := p.process
	if preorder {
		process = p.preorderProcess
	}
	st := stageActivation
	if p.kind == kindPortIn {
		st = stagePortIn // port_in_stall holds these alone
	}
	s.schedule1(st, s.after(at, process), id, "", 0)
	if p.kind == kindPortIn {
		s.newMNP(b, at, "in", id)
	}
}

// completeActivation makes the activation's agency and product calls, then
// settles it and starts its follow-ups (insurance sync, OTA update).
func (s *Sim) completeActivation(b *batch, now time.Time, id int64) {
	p := s.drawActivation(id)
	day := s.day(now)
	for i, c := range calls {
		if !p.makes(i, s.switches, s.incidents) {
			continue
		}
		latency, errRate := p.callLatency[i], c.errRate
		if i == callIdentity && s.incidents[AgencySlow] {
			latency *= agencySlowFactor
		}
		if i == callGuarantee && s.incidents[SGIErrors] {
			errRate = sgiIncidentErrRate
		}
		if s.incidents[AgencyBlips] && c.agency == s.blipAgency(now) {
			errRate = max(errRate, blipErrRate)
		}
		if i == callPrecheck && s.incidents[KaitLag] {
			latency *= kaitLagFactor
		}
		result, latency := callOutcome(latency, p.callErr[i], errRate)
		if s.keepsRows() {
			b.insert("agency_call", agencyCallCols, s.id("agency_call"), s.ts(now), c.agency, c.operation, result, latency)
		}
		key := []any{day, c.agency, c.operation, latencyBucket(latency)}
		b.add("agency_call_daily", agencyDailyKey, key, result, 1)
		b.add("agency_call_daily", agencyDailyKey, key, "latency_sum_seconds", latency)
		if i == callGuarantee && result != "ok" {
			s.enqueueError(b, now, "sgi_guarantee", id)
		}
	}
	ottHandover := false
	for i, pr := range products {
		if !p.takes(i) {
			continue
		}
		result := p.productResult(i, s.incidents[ProductFailures])
		if result == "failed" {
			s.enqueueError(b, now, "product_call", id)
		}
		ottHandover = ottHandover || i == productOTT && result == "ok"
		if s.keepsRows() {
			b.insert("product_call", productCallCols, s.id("product_call"), s.ts(now), pr.name, pr.operation, result)
		}
		b.add("product_call_daily", productDailyKey, []any{day, pr.name, pr.operation}, result, 1)
	}
	key := []any{day, p.model, p.kind, p.channel}
	if p.fail < activationFailRate {
		s.finish(b, "activation", "state = 'failed', finished_at = ?", id, s.ts(now))
		b.add("activation_daily", activationDailyKey, key, "failed", 1)
		return
	}
	s.finish(b, "activation", "state = 'completed', finished_at = ?", id, s.ts(now))
	b.add("activation_daily", activationDailyKey, key, "completed", 1)
	if p.insured {
		b.add("activation_daily", activationDailyKey, key, "insured", 1)
		skipped := !p.makes(callPrecheck, s.switches, nil)
		if skipped {
			b.add("activation_daily", activationDailyKey, key, "precheck_skipped", 1)
		}
		s.newInsurance(b, now, id, p, skipped)
	}
	if p.ota {
		s.newOTA(b, now, id)
	}
	if ottHandover {
		s.newOTTPost(b, now, id, p.ottDelay)
	}
}

// keepsRows: finished rows and the call logs stay for Retention, so the
// live tables hold what collectors-live.yaml counts; with none, finished
// rows are deleted and no call is logged (the in-process server slows with
// every row it holds).
func (s *Sim) keepsRows() bool { return s.opt.Retention > 0 }

// newOTTPost hands a completed activation's OTT subscription over to the
// OTT partner; ott_stall holds it.
func (s *Sim) newOTTPost(b *batch, now time.Time, activationID int64, delay time.Duration) {
	id := s.id("ott_postprocess")
	b.insert("ott_postprocess", ottCols, id, activationID, s.ts(now), "pending")
	s.schedule1(stageOTTPost, s.after(now, delay), id, "", 0)
}

func (s *Sim) completeOTTPost(b *batch, now time.Time, id int64) {
	s.finish(b, "ott_postprocess", "state = 'completed', finished_at = ?", id, s.ts(now))
}

// newMNP records a port request; port-ins come from an activation.
func (s *Sim) newMNP(b *batch, at time.Time, direction string, activationID int64) {
	id := s.id("mnp_request")
	p := s.mnpPlan(id)
	var actID any
	if activationID != 0 {
		actID = activationID
	}
	b.insert("mnp_request", mnpCols, id, actID, direction, p.carrier, s.ts(at), "pending")
	b.add("mnp_daily", mnpDailyKey, []any{s.day(at), direction, p.carrier}, "requested", 1)
	s.schedule1(stageOpening, s.after(at, p.delay), id, direction, 0)
}

func (s *Sim) settleOpening(b *batch, now time.Time, id int64, direction string) {
	p := s.mnpPlan(id)
	failRate := openingFailRate
	if s.incidents[MNPMessageFailures] {
		failRate = openingIncidentFail
	}
	key := []any{s.day(now), direction, p.carrier}
	if p.fail < failRate {
		s.finish(b, "mnp_request", "opening_state = 'failed', opening_at = ?", id, s.ts(now))
		b.add("mnp_daily", mnpDailyKey, key, "opening_failed", 1)
		s.enqueueError(b, now, "mnp_opening", id)
		return
	}
	s.finish(b, "mnp_request", "opening_state = 'generated', opening_at = ?", id, s.ts(now))
	b.add("mnp_daily", mnpDailyKey, key, "opening_generated", 1)
}

// newInsurance starts a sign-up's sync: KOS → Mobins, then Mobins → KAIT.
// skipped: the KAIT pre-check was skipped (switch on), so KAIT's
// confirmation at the end of the sync is the sign-up's post-check.
func (s *Sim) newInsurance(b *batch, now time.Time, activationID int64, p activationPlan, skipped bool) {
	id := s.id("insurance_signup")
	b.insert("insurance_signup", insuranceCols, id, activationID, p.model, p.kind, p.channel, s.ts(now), "mobins_pending", skipped)
	s.schedule1(stageMobins, s.after(now, s.insurancePlan(id).mobinsDelay), id, "", 0)
}

// mobinsSynced hands the sign-up on to the Mobins → KAIT sync, which runs
// whatever the pre-check switch says: the switch only stops KOS waiting.
func (s *Sim) mobinsSynced(b *batch, now time.Time, id int64) {
	b.update("insurance_signup", "sync_state = 'kait_pending', mobins_synced_at = ?", id, s.ts(now))
	s.schedule1(stageKait, s.after(now, s.insurancePlan(id).kaitDelay), id, "", 0)
}

func (s *Sim) kaitSynced(b *batch, now time.Time, id int64) {
	s.finish(b, "insurance_signup", "sync_state = 'synced', finished_at = ?", id, s.ts(now))
}

func (s *Sim) newOTA(b *batch, now time.Time, activationID int64) {
	id := s.id("ota_update")
	b.insert("ota_update", otaCols, id, activationID, s.ts(now), "pending")
	b.add("ota_daily", dayOnlyKey, []any{s.day(now)}, "requested", 1)
	s.schedule1(stageOTA, s.after(now, s.otaPlan(id).delay), id, "", 0)
}

func (s *Sim) completeOTA(b *batch, now time.Time, id int64) {
	if s.otaPlan(id).fail < otaFailRate {
		s.finish(b, "ota_update", "state = 'failed', finished_at = ?", id, s.ts(now))
		b.add("ota_daily", dayOnlyKey, []any{s.day(now)}, "failed", 1)
		s.enqueueError(b, now, "ota", id)
		return
	}
	s.finish(b, "ota_update", "state = 'completed', finished_at = ?", id, s.ts(now))
	b.add("ota_daily", dayOnlyKey, []any{s.day(now)}, "completed", 1)
}

func (s *Sim) newQueueItem(b *batch, at time.Time) {
	id := s.id("wait_queue")
	if day := at.In(s.loc).Format(time.DateOnly); day != s.queueDay {
		s.queueDay, s.queuePos = day, 0
	}
	s.queuePos++
	q := s.queuePlan(id, s.incidents[QueueBacklog])
	b.insert("wait_queue", queueCols, id, s.queuePos, q.model, q.storage, q.below, s.ts(at), "waiting")
	b.add("wait_queue_daily", dayOnlyKey, []any{s.day(at)}, "enqueued", 1)
	s.schedule1(q.stage, s.after(at, q.wait), id, "", 0)
}

func (s *Sim) serve(b *batch, now time.Time, id int64) {
	s.finish(b, "wait_queue", "state = 'served', served_at = ?", id, s.ts(now))
	b.add("wait_queue_daily", dayOnlyKey, []any{s.day(now)}, "served", 1)
}

func (s *Sim) enqueueError(b *batch, now time.Time, reason string, refID int64) {
	id := s.id("error_queue")
	b.insert("error_queue", errorCols, id, reason, refID, s.ts(now), 0, "queued")
	b.add("error_queue_daily", errorDailyKey, []any{s.day(now), reason}, "enqueued", 1)
	s.schedule1(stageRetry, s.after(now, retryEvery), id, reason, 1)
}

// retry is reprocessing attempt n of an error-queue item.
func (s *Sim) retry(b *batch, now time.Time, id int64, n int, reason string) {
	key := []any{s.day(now), reason}
	if retryOK(s.opt.Seed, id, n) && !s.incidents[ErrorQueueGrowth] {
		s.finish(b, "error_queue", "state = 'resolved', retries = ?, finished_at = ?", id, n, s.ts(now))
		b.add("error_queue_daily", errorDailyKey, key, "reprocessed_ok", 1)
		return
	}
	b.add("error_queue_daily", errorDailyKey, key, "reprocess_failed", 1)
	if n >= maxRetries {
		s.finish(b, "error_queue", "state = 'given_up', retries = ?, finished_at = ?", id, n, s.ts(now))
		b.add("error_queue_daily", errorDailyKey, key, "given_up", 1)
		return
	}
	b.update("error_queue", "retries = ?", id, n)
	s.schedule1(stageRetry, s.after(now, retryEvery), id, reason, n+1)
}

// finish records that live row id of table is done: the change set (with
// args) when finished rows are kept, else the row goes.
func (s *Sim) finish(b *batch, table, set string, id int64, args ...any) {
	if !s.keepsRows() {
		b.remove(table, id)
		return
	}
	b.update(table, set, id, args...)
}
