package launchsim_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/internal/mysqltest"
	"github.com/kos-ops/kos_exporter/launchsim"
)

func TestDeterministicWithSeed(t *testing.T) {
	t.Parallel()
	start, end := window(90 * time.Second)
	dumpRun := func(seed uint64) string {
		r := newRun(t, openDB(t), seed, start, 0, launchsim.Action{Name: launchsim.SGIErrors, On: true, At: 30 * time.Second})
		r.stepTo(t, end)
		return mysqltest.Dump(t, r.db)
	}
	a, b, other := dumpRun(7), dumpRun(7), dumpRun(8)
	if a != b {
		t.Errorf("same seed, different rows:\n%s", firstDiff(a, b))
	}
	if a == other {
		t.Error("seeds 7 and 8 wrote identical rows")
	}
	if !strings.Contains(a, "activation ") || strings.Contains(a, "activation 0 rows") {
		t.Errorf("no activations written:\n%.400s", a)
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "line " + al[i] + "\n vs  " + bl[i]
		}
	}
	return "lengths differ"
}

// ageTolerance absorbs the real time between querying two runs: ages are
// computed by the database's NOW().
const ageTolerance = 5

// TestIncidentsMoveTheirMetrics runs the same seed and clock with and without
// each incident and compares every shipped collector's output: the listed
// metrics must change, the ones that may follow from them may, and every
// other metric must be the same.
func TestIncidentsMoveTheirMetrics(t *testing.T) {
	t.Parallel()
	cs := loadCollectors(t)
	errorQueue := []string{"kos_error_queue_depth", "kos_error_queue_oldest_age_seconds", "kos_error_queue_enqueued_total", "kos_error_queue_reprocess_attempts_total", "kos_error_queue_given_up_total"}
	cases := []struct {
		incident string
		moves    []string
		mayMove  []string
	}{
		{
			incident: launchsim.KaitLag,
			moves:    []string{"kos_insurance_sync_pending", "kos_insurance_sync_oldest_pending_age_seconds", "kos_agency_calls_total", "kos_agency_call_duration_seconds"},
		},
		{
			incident: launchsim.SGIErrors,
			moves:    []string{"kos_agency_calls_total", "kos_error_queue_depth", "kos_error_queue_enqueued_total", "kos_error_queue_reprocess_attempts_total"},
			mayMove:  errorQueue,
		},
		{
			incident: launchsim.QueueBacklog,
			moves:    []string{"kos_wait_queue_depth", "kos_wait_queue_below_threshold", "kos_wait_queue_oldest_age_seconds", "kos_wait_queue_served_total"},
			mayMove:  []string{"kos_wait_queue_head_position", "kos_wait_queue_below_threshold_oldest_age_seconds"},
		},
		{
			incident: launchsim.OTADelay,
			moves:    []string{"kos_ota_updates_pending", "kos_ota_update_oldest_pending_age_seconds", "kos_ota_updates_total"},
			mayMove:  errorQueue,
		},
		{
			incident: launchsim.MNPMessageFailures,
			moves:    []string{"kos_mnp_opening_messages_total", "kos_error_queue_depth", "kos_error_queue_enqueued_total"},
			mayMove:  errorQueue,
		},
		{
			incident: launchsim.ErrorQueueGrowth,
			moves:    []string{"kos_error_queue_depth", "kos_error_queue_reprocess_attempts_total", "kos_error_queue_given_up_total"},
			mayMove:  errorQueue,
		},
		{
			incident: launchsim.AgencyBlips,
			moves:    []string{"kos_agency_calls_total"},
			mayMove:  errorQueue,
		},
		{
			incident: launchsim.ActivationStall,
			moves: []string{"kos_activations_in_progress", "kos_activation_oldest_in_progress_age_seconds", "kos_activations_total",
				"kos_insurance_signups_total", "kos_agency_calls_total", "kos_agency_call_duration_seconds", "kos_product_calls_total", "kos_ota_update_requests_total"},
			mayMove: append([]string{"kos_insurance_sync_pending", "kos_insurance_sync_oldest_pending_age_seconds",
				"kos_ota_updates_pending", "kos_ota_update_oldest_pending_age_seconds", "kos_ota_updates_total",
				"kos_ott_postprocess_pending", "kos_ott_postprocess_oldest_pending_age_seconds"}, errorQueue...),
		},
		{
			incident: launchsim.PortInStall,
			moves: []string{"kos_activations_in_progress", "kos_activation_oldest_in_progress_age_seconds", "kos_activations_total",
				"kos_agency_calls_total", "kos_agency_call_duration_seconds", "kos_product_calls_total"},
			mayMove: append([]string{"kos_insurance_signups_total", "kos_insurance_sync_pending", "kos_insurance_sync_oldest_pending_age_seconds",
				"kos_ota_update_requests_total", "kos_ota_updates_pending", "kos_ota_update_oldest_pending_age_seconds", "kos_ota_updates_total",
				"kos_ott_postprocess_pending", "kos_ott_postprocess_oldest_pending_age_seconds"}, errorQueue...),
		},
		{
			incident: launchsim.MNPOpeningDelay,
			moves:    []string{"kos_mnp_opening_messages_pending", "kos_mnp_opening_message_oldest_pending_age_seconds", "kos_mnp_opening_messages_total"},
			mayMove:  errorQueue,
		},
		{
			incident: launchsim.AgencySlow,
			moves:    []string{"kos_agency_call_duration_seconds"},
			mayMove:  []string{"kos_agency_calls_total"}, // a few more timeouts
		},
		{
			incident: launchsim.AgencyTrafficDrop,
			moves:    []string{"kos_agency_calls_total", "kos_agency_call_duration_seconds"},
		},
		{
			incident: launchsim.AgencyNoTraffic,
			moves:    []string{"kos_agency_calls_total", "kos_agency_call_duration_seconds"},
			mayMove:  errorQueue, // no SGI errors either
		},
		{
			incident: launchsim.ProductFailures,
			moves:    []string{"kos_product_calls_total", "kos_error_queue_depth", "kos_error_queue_enqueued_total"},
			mayMove:  append([]string{"kos_ott_postprocess_pending", "kos_ott_postprocess_oldest_pending_age_seconds"}, errorQueue...),
		},
		{
			incident: launchsim.OTTStall,
			moves:    []string{"kos_ott_postprocess_pending", "kos_ott_postprocess_oldest_pending_age_seconds"},
		},
		{
			incident: launchsim.ReferenceMissing,
			moves:    []string{"kos_reference_data_applied", "kos_reference_subsidy_krw"},
		},
		{
			incident: launchsim.ReferenceWrong,
			moves:    []string{"kos_reference_value_mismatch", "kos_reference_subsidy_krw"},
		},
		{
			incident: launchsim.StockTransferStall,
			moves:    []string{"kos_wait_queue_depth", "kos_wait_queue_below_threshold", "kos_wait_queue_below_threshold_oldest_age_seconds", "kos_wait_queue_served_total"},
			mayMove:  []string{"kos_wait_queue_oldest_age_seconds", "kos_wait_queue_head_position"},
		},
	}
	start, end := window(4 * time.Minute)
	const seed = 42
	baseline := newRun(t, openDB(t), seed, start, 0)
	baseline.stepTo(t, end)
	base := collect(t, baseline.db, cs)
	for _, name := range []string{"kos_activations_total", "kos_agency_calls_total", "kos_insurance_sync_pending", "kos_wait_queue_depth", "kos_error_queue_depth", "kos_mnp_opening_messages_total"} {
		if total(base.byMetric()[name]) == 0 {
			t.Errorf("baseline: %s is 0 everywhere; the comparison would prove nothing", name)
		}
	}
	for _, tc := range cases {
		t.Run(tc.incident, func(t *testing.T) {
			t.Parallel()
			r := newRun(t, openDB(t), seed, start, 0, launchsim.Action{Name: tc.incident, On: true, At: time.Minute})
			r.stepTo(t, end)
			// Query both now: ages are measured against the database's NOW().
			want, got := collect(t, baseline.db, cs), collect(t, r.db, cs)
			moved := movedMetrics(want, got)
			for _, m := range tc.moves {
				if !moved[m] {
					t.Errorf("%s did not move", m)
				}
			}
			for m := range moved {
				if !contains(tc.moves, m) && !contains(tc.mayMove, m) {
					t.Errorf("%s moved but should not: %v", m, diff(want.byMetric()[m], got.byMetric()[m]))
				}
			}
		})
	}
}

// movedMetrics names the metrics whose series differ; a missing series
// counts as 0.
func movedMetrics(a, b series) map[string]bool {
	am, bm := a.byMetric(), b.byMetric()
	moved := map[string]bool{}
	for _, m := range union(sortedKeys(am), sortedKeys(bm)) {
		tol := 0.0
		if strings.HasSuffix(m, "_age_seconds") {
			tol = ageTolerance
		}
		for _, k := range union(sortedKeys(am[m]), sortedKeys(bm[m])) {
			if math.Abs(am[m][k]-bm[m][k]) > tol+1e-9 {
				moved[m] = true
			}
		}
	}
	return moved
}

func diff(a, b series) map[string][2]float64 {
	out := map[string][2]float64{}
	for _, k := range union(sortedKeys(a), sortedKeys(b)) {
		if a[k] != b[k] {
			out[k] = [2]float64{a[k], b[k]}
		}
	}
	return out
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range append(a, b...) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func total(s series) float64 {
	var sum float64
	for _, v := range s {
		sum += v
	}
	return sum
}

// TestKaitSkipLoop follows the real day: under KAIT lag the Mobins→KAIT
// leg backs up; the pre-check SKIP switch stops KOS waiting for KAIT but not
// the sync, so the lag stays visible and the sign-ups signed meanwhile are
// counted and owe KAIT's confirmation (the post-check backlog); once the
// lag ends, the leg and the backlog catch up, and with the switch off no
// sign-up skips the pre-check any more.
func TestKaitSkipLoop(t *testing.T) {
	t.Parallel()
	cs := loadCollectors(t)
	start, end := window(5 * time.Minute)
	r := newRun(t, openDB(t), 3, start, time.Hour, launchsim.Action{Name: launchsim.KaitLag, On: true, At: time.Minute})
	const (
		kaitAge     = `kos_insurance_sync_oldest_pending_age_seconds{leg=kait}`
		kaitPending = `kos_insurance_sync_pending{leg=kait}`
		postPending = `kos_insurance_postcheck_pending{}`
		postAge     = `kos_insurance_postcheck_oldest_pending_age_seconds{}`
		prechecks   = "SELECT COALESCE(SUM(ok + error + timeout), 0) FROM agency_call_daily WHERE agency = 'kait' AND operation = 'insurance_precheck'"
	)
	skipped := func(s series) float64 { return total(s.byMetric()["kos_insurance_precheck_skipped_total"]) }
	lagBegan := start.Add(time.Minute)
	switchOn, lagEnds, switchOff := end.Add(-3*time.Minute), end.Add(-2*time.Minute), end.Add(-time.Minute)

	r.stepTo(t, switchOn)
	// Ages run on the database's real clock, which is ahead of the test clock.
	before := collect(t, r.db, cs)
	if age, want := before[kaitAge], time.Since(lagBegan).Seconds()-60; age < want {
		t.Errorf("KAIT leg under lag: oldest pending %gs, want at least %gs", age, want)
	}
	if before[kaitPending] < 50 {
		t.Errorf("KAIT leg under lag: %g pending, want a backlog", before[kaitPending])
	}
	// Synced after more than the normal delay: held by the lag, then let through.
	trickled := sum(t, r.db, "SELECT COUNT(*) FROM insurance_signup WHERE sync_state = 'synced' AND TIMESTAMPDIFF(SECOND, mobins_synced_at, finished_at) > 10")
	if trickled == 0 {
		t.Error("KAIT sync stopped altogether under kait_lag; it should go on slowly")
	}
	if skipped(before) != 0 || before[postPending] != 0 {
		t.Errorf("switch off: %g skipped, %g post-checks pending; want none", skipped(before), before[postPending])
	}

	if err := r.sim.SetSwitch(context.Background(), launchsim.SwitchKaitSkip, true, "test"); err != nil {
		t.Fatal(err)
	}
	checksAtSwitch := sum(t, r.db, prechecks)
	r.stepTo(t, lagEnds)
	on := collect(t, r.db, cs)
	if on[kaitAge] < before[kaitAge] || on[kaitPending] < before[kaitPending] {
		t.Errorf("switch on, lag on: KAIT leg %g pending, oldest %gs; want the lag still visible (was %g, %gs)",
			on[kaitPending], on[kaitAge], before[kaitPending], before[kaitAge])
	}
	if skipped(on) == 0 || on[postPending] == 0 || on[postAge] == 0 {
		t.Errorf("switch on: %g skipped, %g post-checks pending, oldest %gs; want all above 0", skipped(on), on[postPending], on[postAge])
	}
	if got := sum(t, r.db, prechecks); got != checksAtSwitch {
		t.Errorf("switch on: %g KAIT pre-checks made after the switch, want none", got-checksAtSwitch)
	}

	if err := r.sim.SetIncident(launchsim.KaitLag, false); err != nil {
		t.Fatal(err)
	}
	r.stepTo(t, switchOff)
	// Caught up: what is left is in normal flight (delays under 80 s
	// simulated, under 3 s real at the default speed, plus a step). Ages
	// are read on the real clock, ahead of the test clock by behind().
	behind := func() float64 { return time.Since(r.clock.now).Seconds() }
	caught := collect(t, r.db, cs)
	if caught[kaitAge]-behind() > 15 || caught[postAge]-behind() > 15 {
		t.Errorf("lag over: KAIT leg oldest %gs, post-check oldest %gs, clock %gs behind; want both caught up", caught[kaitAge], caught[postAge], behind())
	}

	if err := r.sim.SetSwitch(context.Background(), launchsim.SwitchKaitSkip, false, "test"); err != nil {
		t.Fatal(err)
	}
	r.stepTo(t, end)
	off := collect(t, r.db, cs)
	if skipped(off) != skipped(caught) {
		t.Errorf("switch off: skipped sign-ups went from %g to %g, want no more", skipped(caught), skipped(off))
	}
	if off[kaitAge]-behind() > 15 {
		t.Errorf("switch off: KAIT leg oldest %gs, want no relapse", off[kaitAge])
	}
	if sum(t, r.db, prechecks) == checksAtSwitch {
		t.Error("switch off: no KAIT pre-checks, want them back")
	}
	if off[`kos_switch_on{screen=KAIT보험 사전체크 SKIP,switch=kait_insurance_precheck_skip}`] != 0 {
		t.Error("kos_switch_on does not show the switch off")
	}
	changed := off[`kos_switch_last_change_timestamp_seconds{changed_by=test,screen=KAIT보험 사전체크 SKIP,switch=kait_insurance_precheck_skip}`]
	if want := float64(switchOff.Unix()); changed != want {
		t.Errorf("switch last change %v, want %v", changed, want)
	}
}

// TestReferenceIncidentsEnd: ending the reference incidents applies the
// launch plan's values again, so the alerts they raise can resolve.
func TestReferenceIncidentsEnd(t *testing.T) {
	t.Parallel()
	var cs []*config.Collector
	for _, c := range loadCollectors(t) {
		if c.Name == "reference_data" || c.Name == "reference_values" {
			cs = append(cs, c)
		}
	}
	if len(cs) != 2 {
		t.Fatalf("collectors reference_data and reference_values: found %d", len(cs))
	}
	start, end := window(3 * time.Minute)
	r := newRun(t, openDB(t), 7, start, 0,
		launchsim.Action{Name: launchsim.ReferenceMissing, On: true, At: time.Minute},
		launchsim.Action{Name: launchsim.ReferenceWrong, On: true, At: time.Minute})
	r.stepTo(t, start.Add(90*time.Second))
	during := collect(t, r.db, cs)
	for k, want := range map[string]float64{
		"kos_reference_data_applied{model=nova_x,reference=subsidy}":             0,
		"kos_reference_value_mismatch{model=nova_x_pro_max,reference=subsidy}":   1,
		"kos_reference_value_mismatch{model=nova_x_pro_max,reference=insurance}": 1,
		"kos_reference_subsidy_krw{model=nova_x_pro_max,source=applied}":         100000,
		"kos_reference_subsidy_krw{model=nova_x_pro_max,source=planned}":         200000,
	} {
		if got, ok := during[k]; !ok || got != want {
			t.Errorf("during the incidents: %s = %v (present %v), want %v", k, got, ok, want)
		}
	}
	for _, name := range []string{launchsim.ReferenceMissing, launchsim.ReferenceWrong} {
		if err := r.sim.SetIncident(name, false); err != nil {
			t.Fatal(err)
		}
	}
	r.stepTo(t, end)
	for k, v := range collect(t, r.db, cs) {
		applied := strings.HasPrefix(k, "kos_reference_data_applied")
		switch {
		case applied && v != 1, strings.HasPrefix(k, "kos_reference_value_mismatch") && v != 0:
			t.Errorf("after the incidents: %s = %v", k, v)
		}
	}
}
