//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// highAvailability: two Prometheus replicas scrape one exporter and send to
// two clustered Alertmanagers, as operators run it.
func highAvailability(t *testing.T, e *env) {
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
	defer cancel()
	s := startStack(ctx, t, e, "ha", stackOpts{prometheus: 2, alertmanagers: 2, proxy: true})

	// The database sees the exporter's schedule, not its scrapers: two
	// replicas scraping every 3 s cost what one does.
	const window = 30 * time.Second
	before, err := s.runs()
	if err != nil {
		t.Fatal(err)
	}
	q0 := s.proxy.Queries("")
	sleep(ctx, window)
	after, err := s.runs()
	if err != nil {
		t.Fatal(err)
	}
	queries := s.proxy.Queries("") - q0
	var runs float64
	for c, n := range after {
		d := n - before[c]
		runs += d
		limit := float64(int(window/e.intervals[c])) + 1
		if d > limit {
			t.Errorf("collector %s ran %v times in %s with two Prometheus replicas, schedule allows %v", c, d, window, limit)
		}
	}
	e.record(result{scenario: "ha", alert: "(DB load)", receivers: "(none)", took: window,
		note: fmt.Sprintf("2 replicas scraping every 3 s: %v collector runs, %d statements on the wire in %s (schedule: one run per collector interval)", runs, queries, window)})

	t0 := time.Now()
	if err := s.post("/incidents/sgi_errors"); err != nil {
		t.Fatal(err)
	}
	sgi := expect{alert: "KOSAgencyErrorRatioHigh", labels: map[string]string{"agency": "sgi"}, receivers: []string{pager, integration}}
	s.await(ctx, t, sgi, t0, "2 replicas → 2 clustered Alertmanagers")
	// Longer than the cluster's peer timeout (15 s): the second
	// Alertmanager would have sent by now if it did not know of the first.
	sleep(ctx, 20*time.Second)
	s.deliveries(t, "KOSAgencyErrorRatioHigh", "2 clustered Alertmanagers")

	// One Alertmanager goes away; a new alert still arrives.
	s.ams[0].stop()
	t1 := time.Now()
	if err := s.post("/switches/sgi_guarantee_skip?on=true"); err != nil {
		t.Fatal(err)
	}
	s.await(ctx, t, expect{alert: "KOSSkipSwitchOn", labels: map[string]string{"switch": "sgi_guarantee_skip"}, receivers: []string{device}}, t1, "from switch on, alertmanager0 stopped")
	sleep(ctx, 20*time.Second)
	s.deliveries(t, "KOSSkipSwitchOn", "alertmanager0 stopped")
}

// deliveries checks what an Alertmanager cluster guarantees: every
// notification carrying alert arrives at least once, and at most once per
// Alertmanager (each instance sends on its own when gossip has not told it
// that a peer already did, e.g. under load or right after a peer stops).
// Duplicates are no failure; they are counted and recorded.
func (s *stack) deliveries(t *testing.T, alert, what string) {
	t.Helper()
	got, _ := s.e.rcv.since(s.name)
	seen := map[string]int{}
	for _, n := range got {
		key := n.Path + "|" + n.GroupKey + "|" + n.Status
		carries := false
		for _, a := range n.Alerts {
			key += "|" + a.Fingerprint + a.Status
			carries = carries || a.Labels["alertname"] == alert
		}
		if carries {
			seen[key]++
		}
	}
	if len(seen) == 0 {
		t.Errorf("no notification carries %s", alert)
	}
	duplicates := 0
	for k, n := range seen {
		if n > len(s.ams) {
			t.Errorf("notification delivered %d times by %d Alertmanagers: %s", n, len(s.ams), k)
		}
		duplicates += n - 1
	}
	s.e.record(result{scenario: s.name, alert: alert + " (deliveries)", receivers: "(all)",
		note: fmt.Sprintf("%s: %d distinct notifications, %d duplicates (at-least-once, at most once per Alertmanager)", what, len(seen), duplicates)})
}
