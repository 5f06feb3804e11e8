//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// adminCall is one call to the simulator's admin API.
type adminCall struct{ method, path string }

func (c adminCall) String() string { return c.method + " " + c.path }

func startIncident(name string) adminCall { return adminCall{http.MethodPost, "/incidents/" + name} }
func endIncident(name string) adminCall   { return adminCall{http.MethodDelete, "/incidents/" + name} }
func setSwitch(name string, on bool) adminCall {
	return adminCall{http.MethodPost, fmt.Sprintf("/switches/%s?on=%t", name, on)}
}

// call sends c to the simulator's admin API.
func (s *stack) call(c adminCall) error {
	req, err := http.NewRequest(c.method, "http://"+s.adminAddr+c.path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s: %s: %s", c, resp.Status, b)
	}
	return nil
}

// alertScenario plays incidents (and switches) that raise the alerts no
// older scenario raises: start them together, wait for every alert, undo
// them together, wait for every alert to resolve.
type alertScenario struct {
	name       string
	start, end []adminCall
	want       []expect // firing; each must then arrive resolved at the same receivers
	// later starts leadIn after start, for an alert that compares with the
	// usual level before the incident, or a stop page timed from the last
	// event Prometheus saw: it needs that much history.
	later     []adminCall
	wantLater []expect
	related   []string // may fire too
}

const leadIn = time.Minute

var alertScenarios = []alertScenario{
	{
		name:  "contract_flows",
		start: []adminCall{startIncident("mnp_opening_delay")},
		later: []adminCall{startIncident("port_in_stall")},
		end:   []adminCall{endIncident("port_in_stall"), endIncident("mnp_opening_delay")},
		want: []expect{
			{alert: "KOSMNPOpeningMessagesDelayed", labels: map[string]string{"part": "contract", "severity": "warning"}, receivers: []string{contract}},
		},
		wantLater: []expect{
			{alert: "KOSPortInStalled", labels: map[string]string{"part": "contract", "severity": "critical"}, receivers: []string{pager, contract}, goal: pageGoal},
		},
		// Held port-ins make no KAIT clearing call, while the pre-check goes on.
		related: []string{"KOSAgencyTrafficDrop"},
	},
	{
		name:  "integration_traffic",
		start: []adminCall{startIncident("agency_slow")},
		later: []adminCall{startIncident("agency_no_traffic"), startIncident("agency_traffic_drop")},
		end:   []adminCall{endIncident("agency_no_traffic"), endIncident("agency_traffic_drop"), endIncident("agency_slow")},
		want: []expect{
			{alert: "KOSAgencyLatencyHigh", labels: map[string]string{"agency": "nice", "part": "integration", "severity": "warning"}, receivers: []string{integration}},
		},
		wantLater: []expect{
			{alert: "KOSAgencyNoTraffic", labels: map[string]string{"agency": "sgi", "part": "integration", "severity": "critical"}, receivers: []string{pager, integration}, goal: pageGoal},
			{alert: "KOSAgencyTrafficDrop", labels: map[string]string{"agency": "mobins", "operation": "insurance_signup", "part": "integration", "severity": "warning"}, receivers: []string{integration}},
		},
	},
	{
		name: "product_flows",
		// With the automator off the failed calls pile up whatever the
		// day's volume does: the opening burst alone fills the queue and
		// then drains it, which makes a short-lived growth.
		start: []adminCall{startIncident("product_failures"), startIncident("ott_stall"), setSwitch("error_queue_auto_reprocess", false)},
		end:   []adminCall{endIncident("product_failures"), endIncident("ott_stall"), setSwitch("error_queue_auto_reprocess", true)},
		want: []expect{
			{alert: "KOSOTTPostprocessingBacklog", labels: map[string]string{"part": "product", "severity": "warning"}, receivers: []string{product}},
			{alert: "KOSProductCallFailures", labels: map[string]string{"product": "rate_plan", "part": "product", "severity": "warning"}, receivers: []string{product}},
			{alert: "KOSProductCallFailures", labels: map[string]string{"product": "ott", "part": "product", "severity": "warning"}, receivers: []string{product}},
			// The failed calls wait in the error queue.
			{alert: "KOSErrorQueueGrowing", labels: map[string]string{"reason": "product_call", "part": "platform", "severity": "warning"}, receivers: []string{platform}},
		},
		related: []string{"KOSErrorQueueAutomatorOff"},
	},
	{
		name: "device_reference",
		start: []adminCall{startIncident("reference_missing"), startIncident("reference_wrong"), startIncident("stock_transfer_stall"),
			setSwitch("error_queue_auto_reprocess", false)},
		end: []adminCall{endIncident("reference_missing"), endIncident("reference_wrong"), endIncident("stock_transfer_stall"),
			setSwitch("error_queue_auto_reprocess", true)},
		want: []expect{
			{alert: "KOSReferenceDataMismatch", labels: map[string]string{"model": "nova_x_pro_max", "reference": "subsidy", "part": "device", "severity": "warning"}, receivers: []string{device}},
			{alert: "KOSReferenceDataMismatch", labels: map[string]string{"model": "nova_x_pro_max", "reference": "insurance", "part": "device", "severity": "warning"}, receivers: []string{device}},
			{alert: "KOSErrorQueueAutomatorOff", labels: map[string]string{"part": "platform", "severity": "warning"}, receivers: []string{platform}},
			{alert: "KOSWaitQueueBelowThresholdWaiting", labels: map[string]string{"part": "device", "severity": "warning"}, receivers: []string{device}},
			{alert: "KOSReferenceDataNotApplied", labels: map[string]string{"model": "nova_x", "reference": "subsidy", "part": "device", "severity": "warning"}, receivers: []string{device}},
		},
		// Nothing is reprocessed while the automator is off.
		related: []string{"KOSErrorQueueGrowing"},
	},
}

const product = "war-room-product"

func (sc alertScenario) run(t *testing.T, e *env) {
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
	defer cancel()
	s := startStack(ctx, t, e, sc.name, stackOpts{})
	t0 := time.Now()
	for _, c := range sc.start {
		if err := s.call(c); err != nil {
			t.Fatal(err)
		}
	}
	tLater := t0
	if len(sc.later) > 0 {
		sleep(ctx, leadIn)
		tLater = time.Now()
		for _, c := range sc.later {
			if err := s.call(c); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, x := range sc.want {
		s.await(ctx, t, x, t0, "from injection")
	}
	for _, x := range sc.wantLater {
		s.await(ctx, t, x, tLater, fmt.Sprintf("from injection (%s after the others)", leadIn))
	}
	t1 := time.Now()
	for _, c := range sc.end {
		if err := s.call(c); err != nil {
			t.Fatal(err)
		}
	}
	all := append(slices.Clone(sc.want), sc.wantLater...)
	for _, x := range all {
		x.status = "resolved"
		s.await(ctx, t, x, t1, "from the end of the incident")
	}
	sleep(ctx, settle)
	allowed := slices.Clone(sc.related)
	for _, x := range all {
		allowed = append(allowed, x.alert)
	}
	s.onlyAlerts(t, allowed...)
}

// warmUp: how long an older scenario's stack runs before its incident.
// KOSWaitQueueBacklog's fast page ("the queue stopped") arms once the
// queue has served at launch volume over the 15 minutes (3 minutes here)
// before; at the opening nothing is served for 10 minutes, and only the
// slow page (an item older than any normal wait) could tell a backlog.
var warmUp = map[string]time.Duration{
	"queue_backlog": 3 * time.Minute,
}

// beforeEnd: alerts an older scenario's incident raises besides the one it
// waits for, awaited before the incident ends. error_queue_growth ends as
// soon as KOSErrorQueueGivingUp is pending (ten items have given up):
// waiting for it to fire first would add a minute to the longest scenario.
var beforeEnd = map[string]struct {
	pending string
	want    []expect
}{
	"error_queue_growth": {"KOSErrorQueueGivingUp", []expect{
		{alert: "KOSErrorQueueGivingUp", labels: map[string]string{"part": "platform", "severity": "warning"}, receivers: []string{platform}},
	}},
}

// endAndResolve ends an older scenario's incident and waits for want (and
// what beforeEnd lists) to resolve.
func endAndResolve(ctx context.Context, t *testing.T, s *stack, incident string, want expect) {
	t.Helper()
	extra := beforeEnd[incident]
	if extra.pending != "" {
		if err := s.awaitPending(ctx, extra.pending); err != nil {
			t.Fatal(err)
		}
	}
	t1 := time.Now()
	if err := s.call(endIncident(incident)); err != nil {
		t.Fatal(err)
	}
	for _, x := range extra.want {
		s.await(ctx, t, x, t1, "after the incident ended (pending before)")
	}
	for _, x := range append([]expect{want}, extra.want...) {
		x.status = "resolved"
		s.await(ctx, t, x, t1, "from the end of the incident")
	}
}

// awaitPending polls Prometheus until alert is pending or firing.
func (s *stack) awaitPending(ctx context.Context, alert string) error {
	for {
		got, err := s.query(0, fmt.Sprintf(`ALERTS{alertname=%q}`, alert))
		if err == nil && len(got) > 0 {
			return nil
		}
		if err := s.alive(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: waiting for %s to be pending: %w", s.name, alert, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// checkProofs fails when a scenario the proofs table names is not among
// TestE2E's scenarios (registered), or ran and did not record, for an
// alert the table gives it, the alert firing and resolved.
func (e *env) checkProofs(t *testing.T, registered []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	seen := map[string]bool{}
	ran := map[string]bool{}
	for _, r := range e.results {
		ran[r.scenario] = true
		seen[r.scenario+" "+r.alert] = true
	}
	for alert, scenario := range proofs {
		if !slices.Contains(registered, scenario) {
			t.Errorf("proofs: %s is proven by scenario %s, which TestE2E does not have", alert, scenario)
			continue
		}
		if !ran[scenario] {
			continue
		}
		if !seen[scenario+" "+alert+" firing"] {
			t.Errorf("proofs: scenario %s did not see %s firing", scenario, alert)
		}
		if !seen[scenario+" "+alert+" resolved"] {
			t.Errorf("proofs: scenario %s did not see %s resolve", scenario, alert)
		}
	}
}
