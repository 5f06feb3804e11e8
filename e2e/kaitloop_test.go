//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// calmWithNoise is the calm day with ordinary noise: the opening burst
// (the simulator starts at the opening) and short agency error blips, one
// agency at a time (30 s on the shipped durations, 6 s here). The blips
// must show in the 1-minute error ratio and page nobody.
func calmWithNoise(t *testing.T, e *env) {
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
	defer cancel()
	blip := 30 * time.Second / timeDivisor
	s := startStack(ctx, t, e, "calm_noise", stackOpts{incidents: []string{"agency_blips"}, simArgs: []string{"--blip.length", blip.String()}})
	sleep(ctx, calmPeriod)
	s.quiet(t)
	window := fmt.Sprintf("[%ds]", int(calmPeriod.Seconds()))
	blipped, err := s.query(0, `max_over_time(agency:kos_agency_call_errors:ratio_rate1m`+window+`) > 0.05`)
	if err != nil {
		t.Fatal(err)
	}
	if len(blipped) == 0 {
		t.Error("no agency's 1-minute error ratio went over 5%: the blips did not happen, the scenario proves nothing")
	}
	var agencies []string
	for _, b := range blipped {
		agencies = append(agencies, b.Metric["agency"])
	}
	e.record(result{scenario: "calm_noise", alert: "(none)", receivers: "(none)", took: calmPeriod, scaled: true,
		note: fmt.Sprintf("opening burst and %s error blips (1-minute ratio over 5%% for %v), no notification, no firing alert", blip*timeDivisor, agencies)})
}

// kaitSkipLoop plays the previous launch's incident and the way back:
// the KAIT lag pages the device part; the pre-check SKIP switch resolves
// the page while the lag stays visible and the skipped sign-ups are
// counted; only after the lag ends and the sync catches up does "safe to
// turn off" come; the switch goes off and the lag does not come back.
func kaitSkipLoop(t *testing.T, e *env) {
	ctx, cancel := context.WithTimeout(context.Background(), loopTimeout)
	defer cancel()
	s := startStack(ctx, t, e, "kait_skip_loop", stackOpts{})
	const skip = "/switches/kait_insurance_precheck_skip"
	lag := map[string]string{"leg": "kait", "part": "device", "severity": "critical"}
	sw := map[string]string{"switch": "kait_insurance_precheck_skip", "part": "device"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	t0 := time.Now()
	must(s.post("/incidents/kait_lag"))
	s.await(ctx, t, expect{alert: "KOSInsuranceSyncLag", labels: lag, receivers: []string{pager, device}, goal: pageGoal}, t0, "from injection")

	t1 := time.Now()
	must(s.post(skip + "?on=true"))
	s.await(ctx, t, expect{alert: "KOSInsuranceSyncLag", labels: lag, receivers: []string{pager, device}, status: "resolved"}, t1, "from switch on")
	s.await(ctx, t, expect{alert: "KOSSkipSwitchOn", labels: with(sw, "severity", "info"), receivers: []string{device}}, t1, "from switch on")
	// Meanwhile, on the wall: the lag goes on, sign-ups skip the pre-check
	// and owe KAIT's confirmation.
	for _, q := range []string{
		`kos_insurance_sync_oldest_pending_age_seconds{leg="kait"} > on() group_left kos:threshold:insurance_sync_age_seconds`,
		`sum(kos_insurance_precheck_skipped_total) > 0`,
		`kos_insurance_postcheck_pending > 0`,
		`job:kos_insurance_kait_caught_up:bool == 0`,
	} {
		if _, err := s.waitQuery(ctx, q); err != nil {
			t.Fatalf("switch on, lag on: %v", err)
		}
	}
	s.await(ctx, t, expect{alert: "KOSSkipSwitchOnTooLong", labels: with(sw, "severity", "warning"), receivers: []string{device}}, t1, "from switch on (threshold 30 s in e2e)")
	if early, err := s.query(0, `ALERTS{alertname="KOSSkipSwitchSafeToTurnOff"}`); err != nil || len(early) > 0 {
		t.Fatalf("KOSSkipSwitchSafeToTurnOff while KAIT still lags: %v %v", early, err)
	}

	t2 := time.Now()
	must(s.call(endIncident("kait_lag")))
	s.await(ctx, t, expect{alert: "KOSSkipSwitchSafeToTurnOff", labels: with(sw, "severity", "info"), receivers: []string{device}}, t2, "from the lag's end (caught up for 5 min, then 1 min)")
	got, _ := e.rcv.since(s.name)
	for _, n := range got {
		for _, a := range n.Alerts {
			if a.Labels["alertname"] == "KOSSkipSwitchSafeToTurnOff" && n.At.Before(t2) {
				t.Errorf("KOSSkipSwitchSafeToTurnOff notified at %s, before the lag ended", n.At.Format(time.TimeOnly))
			}
		}
	}

	t3 := time.Now()
	must(s.post(skip + "?on=false"))
	s.await(ctx, t, expect{alert: "KOSSkipSwitchSafeToTurnOff", labels: with(sw, "severity", "info"), receivers: []string{device}, status: "resolved"}, t3, "from switch off")
	s.await(ctx, t, expect{alert: "KOSSkipSwitchOn", labels: with(sw, "severity", "info"), receivers: []string{device}, status: "resolved"}, t3, "from switch off")
	s.await(ctx, t, expect{alert: "KOSSkipSwitchOnTooLong", labels: with(sw, "severity", "warning"), receivers: []string{device}, status: "resolved"}, t3, "from switch off")
	// No relapse: longer than the shortened age threshold and `for:` of the
	// lag alert (24 s + 12 s), the KAIT leg stays caught up.
	sleep(ctx, 45*time.Second)
	if again, err := s.query(0, `ALERTS{alertname="KOSInsuranceSyncLag"}`); err != nil || len(again) > 0 {
		t.Errorf("after switch off: KOSInsuranceSyncLag %v %v, want none", again, err)
	}
	got, _ = e.rcv.since(s.name)
	for _, n := range got {
		for _, a := range n.Alerts {
			if a.Labels["alertname"] == "KOSInsuranceSyncLag" && a.Status == "firing" && n.At.After(t3) {
				t.Errorf("KOSInsuranceSyncLag relapsed at %s after the switch went off", n.At.Format(time.TimeOnly))
			}
		}
	}
	e.record(result{scenario: "kait_skip_loop", alert: "(no relapse)", receivers: "(none)", took: time.Since(t3), scaled: true, note: "switch off: no KOSInsuranceSyncLag"})
	s.onlyAlerts(t, "KOSInsuranceSyncLag", "KOSAgencyErrorRatioHigh", "KOSAgencyLatencyHigh", "KOSSkipSwitchOn", "KOSSkipSwitchOnTooLong", "KOSSkipSwitchSafeToTurnOff")
}
