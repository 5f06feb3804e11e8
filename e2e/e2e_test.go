//go:build e2e

package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"gopkg.in/yaml.v3"
)

var (
	speed   = flag.String("e2e.speed", "60", "simulator speed (simulated seconds per real second)")
	keepLog = flag.Bool("e2e.keep-logs", false, "keep the log directory even when every test passes")
)

// Scenario bounds. The slowest chains (error-queue reprocessing failing
// until items give up, then their 15-minute window emptying after the
// incident ends; kait_skip_loop: lag, switch on, catch-up, switch off)
// take six to seven minutes on the 2-core CI machine; the calm day is
// watched longer than the longest shortened `for:` (15m / 5).
const (
	scenarioTimeout = 8 * time.Minute
	loopTimeout     = 8 * time.Minute
	calmPeriod      = 200 * time.Second
	settle          = 10 * time.Second // after the last expected alert: nothing else may follow
	// pageGoal: a critical incident pages its owner part within 5 minutes
	// of real (shipped) durations; reported, not asserted (a timing goal
	// on a loaded machine is no test).
	pageGoal = 5 * time.Minute
)

func newEnv(t *testing.T) *env {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	bin := func(env, def string) string {
		if v := os.Getenv(env); v != "" {
			return v
		}
		p := filepath.Join(root, def)
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s: %v (run make e2e, or set %s)", def, err, env)
		}
		return p
	}
	logDir, err := os.MkdirTemp("", "kos-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	collectors := filepath.Join(logDir, "collectors.yaml")
	if err := writeCollectors(filepath.Join(root, "collectors.yaml"), collectors); err != nil {
		t.Fatal(err)
	}
	// The shipped file reads ${KOS_DSN}; only its schedule is used here.
	t.Setenv("KOS_DSN", "root@tcp(127.0.0.1:1)/kos")
	cfg, err := config.Load(collectors)
	if err != nil {
		t.Fatal(err)
	}
	intervals := map[string]time.Duration{}
	for _, c := range cfg.Collectors {
		intervals[c.Name] = c.Interval
	}
	t.Cleanup(func() {
		if t.Failed() || *keepLog {
			fmt.Printf("\nlogs, configs and data of every process: %s\n", logDir)
			return
		}
		os.RemoveAll(logDir)
	})
	return &env{
		root:         root,
		exporter:     bin("KOS_E2E_EXPORTER", "bin/kos_exporter"),
		sim:          bin("KOS_E2E_LAUNCHSIM", "bin/kos_launchsim"),
		prometheus:   bin("KOS_E2E_PROMETHEUS", ".build/bin/prometheus"),
		alertmanager: bin("KOS_E2E_ALERTMANAGER", ".build/bin/alertmanager"),
		speed:        *speed,
		logDir:       logDir,
		rcv:          newReceiver(t),
		collectors:   collectors,
		intervals:    intervals,
	}
}

// expect is one notification a scenario waits for: the alert (its name and
// a subset of its labels) reaching each of receivers, firing or resolved.
type expect struct {
	alert     string
	labels    map[string]string
	receivers []string
	status    string        // "firing" (default) or "resolved"
	goal      time.Duration // real-duration goal for the wait, if any
}

func (x expect) String() string {
	return fmt.Sprintf("%s%v %s at %s", x.alert, x.labels, x.wantStatus(), strings.Join(x.receivers, ", "))
}

func (x expect) wantStatus() string {
	if x.status == "" {
		return "firing"
	}
	return x.status
}

// matches reports whether n, received after since, carries the alert.
func (x expect) matches(n notification, receiver string, since time.Time) bool {
	if n.At.Before(since) || n.Path != receiver || n.Receiver != receiver {
		return false
	}
	for _, a := range n.Alerts {
		if a.Labels["alertname"] != x.alert || a.Status != x.wantStatus() {
			continue
		}
		ok := true
		for k, v := range x.labels {
			ok = ok && a.Labels[k] == v
		}
		if ok {
			return true
		}
	}
	return false
}

// await waits for x at every receiver, checks the alert's runbook link,
// and records how long it took after since.
func (s *stack) await(ctx context.Context, t *testing.T, x expect, since time.Time, note string) time.Duration {
	t.Helper()
	var took time.Duration
	got, err := s.waitFor(ctx, x.String(), func(ns []notification) bool {
		took = 0
		for _, r := range x.receivers {
			i := slices.IndexFunc(ns, func(n notification) bool { return x.matches(n, r, since) })
			if i < 0 {
				return false
			}
			took = max(took, ns[i].At.Sub(since))
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	var names struct {
		RunbookURLBase string `yaml:"runbook_url_base"`
	}
	b, err := os.ReadFile(filepath.Join(s.e.root, "bundle.yaml"))
	if err == nil {
		err = yaml.Unmarshal(b, &names)
	}
	if err != nil || names.RunbookURLBase == "" {
		t.Fatalf("bundle.yaml: runbook_url_base %q (%v)", names.RunbookURLBase, err)
	}
	want := names.RunbookURLBase + "#" + strings.ToLower(x.alert)
	for _, n := range got {
		for _, a := range n.Alerts {
			if a.Labels["alertname"] == x.alert && a.Annotations["runbook_url"] != want {
				t.Errorf("%s: runbook_url %q", x.alert, a.Annotations["runbook_url"])
			}
		}
	}
	t.Logf("%s after %s", x, took.Round(100*time.Millisecond))
	goal := x.goal
	if x.wantStatus() != "firing" {
		goal = 0 // the goal is the page's
	}
	s.e.record(result{scenario: s.name, alert: x.alert + " " + x.wantStatus(), receivers: strings.Join(x.receivers, ", "), took: took, scaled: true, goal: goal, note: note})
	return took
}

// onlyAlerts fails when a notification of the scenario carries an alert not
// in allowed.
func (s *stack) onlyAlerts(t *testing.T, allowed ...string) {
	t.Helper()
	got, _ := s.e.rcv.since(s.name)
	for _, n := range got {
		for _, a := range n.Alerts {
			if !slices.Contains(allowed, a.Labels["alertname"]) {
				t.Errorf("unrelated alert %s %v (%s) at %s", a.Labels["alertname"], a.Labels, a.Status, n.Path)
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

const (
	pager       = "pager"
	contract    = "war-room-contract"
	integration = "war-room-integration"
	device      = "war-room-device"
	platform    = "war-room-platform"
)

// incidentCases: each simulator incident, the alert it must raise with the
// receivers the shipped routing sends it to, and the alerts the same
// incident may legitimately raise too.
var incidentCases = []struct {
	incident string
	want     expect
	related  []string
}{
	{"sgi_errors",
		expect{alert: "KOSAgencyErrorRatioHigh", labels: map[string]string{"agency": "sgi", "part": "integration", "severity": "critical"}, receivers: []string{pager, integration}, goal: pageGoal},
		[]string{"KOSErrorQueueGrowing", "KOSErrorQueueGivingUp"}},
	{"queue_backlog",
		expect{alert: "KOSWaitQueueBacklog", labels: map[string]string{"part": "device", "severity": "critical"}, receivers: []string{pager, device}, goal: pageGoal},
		[]string{"KOSWaitQueueBelowThresholdWaiting"}},
	{"ota_delay",
		expect{alert: "KOSOTAUpdatesDelayed", labels: map[string]string{"part": "device", "severity": "critical"}, receivers: []string{pager, device}, goal: pageGoal},
		nil},
	{"mnp_message_failures",
		expect{alert: "KOSMNPOpeningMessageFailures", labels: map[string]string{"part": "contract", "severity": "critical"}, receivers: []string{pager, contract}, goal: pageGoal},
		[]string{"KOSErrorQueueGrowing", "KOSErrorQueueGivingUp"}},
	{"error_queue_growth",
		expect{alert: "KOSErrorQueueReprocessingFailing", labels: map[string]string{"part": "platform", "severity": "warning"}, receivers: []string{platform}},
		[]string{"KOSErrorQueueGrowing", "KOSErrorQueueGivingUp"}},
	{"activation_stall",
		expect{alert: "KOSActivationsStalled", labels: map[string]string{"part": "contract", "severity": "critical"}, receivers: []string{pager, contract}, goal: pageGoal},
		[]string{"KOSPortInStalled"}},
}

func TestE2E(t *testing.T) {
	e := newEnv(t)
	t.Cleanup(func() { e.printSummary() })
	t.Cleanup(func() {
		for _, err := range e.rcv.decodeErrors() {
			t.Errorf("receiver: undecodable notification %s", err)
		}
	})

	// Every scenario's name, filtered out by -run or not: checkProofs
	// fails on a proof whose scenario is gone.
	var registered []string
	t.Cleanup(func() { e.checkProofs(t, registered) })

	registered = append(registered, "calm")
	t.Run("calm", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
		defer cancel()
		s := startStack(ctx, t, e, "calm", stackOpts{})
		sleep(ctx, calmPeriod)
		s.quiet(t)
		e.record(result{scenario: "calm", alert: "(none)", receivers: "(none)", took: calmPeriod, scaled: true, note: "no notification, no firing alert"})
	})

	for _, c := range incidentCases {
		registered = append(registered, c.incident)
		t.Run(c.incident, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
			defer cancel()
			s := startStack(ctx, t, e, c.incident, stackOpts{})
			sleep(ctx, warmUp[c.incident]) // incidents_test.go
			t0 := time.Now()
			if err := s.post("/incidents/" + c.incident); err != nil {
				t.Fatal(err)
			}
			s.await(ctx, t, c.want, t0, "from injection")
			endAndResolve(ctx, t, s, c.incident, c.want) // incidents_test.go
			sleep(ctx, settle)
			s.onlyAlerts(t, append(c.related, c.want.alert)...)
		})
	}

	// The incidents behind every other alert (incidents_test.go), and the
	// check that each scenario saw what proofs_test.go says it proves.
	for _, sc := range alertScenarios {
		registered = append(registered, sc.name)
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.run(t, e)
		})
	}

	for _, sc := range []struct {
		name string
		run  func(*testing.T, *env)
	}{
		{"calm_noise", calmWithNoise},
		{"kait_skip_loop", kaitSkipLoop},
		{"database_gone", databaseGone},
		{"ha", highAvailability},
		{"mariadb_faults", mariadbFaults},
		{"exporter_outage", exporterOutage},   // exporter_health_test.go
		{"collector_faults", collectorFaults}, // exporter_health_test.go
	} {
		registered = append(registered, sc.name)
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.run(t, e)
		})
	}
}

// quiet fails unless the scenario's processes are alive, no notification
// came and no alert fires.
func (s *stack) quiet(t *testing.T) {
	t.Helper()
	if err := s.alive(); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.e.rcv.since(s.name); len(got) > 0 {
		t.Errorf("%s: %d notifications, want none:%s", s.name, len(got), describe(got))
	}
	firing, err := s.query(0, `ALERTS{alertstate="firing"}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range firing {
		t.Errorf("%s: firing %v", s.name, a.Metric)
	}
}

func with(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (e *env) printSummary() {
	e.mu.Lock()
	defer e.mu.Unlock()
	slices.SortStableFunc(e.results, func(a, b result) int { return strings.Compare(a.scenario, b.scenario) })
	var b strings.Builder
	fmt.Fprintf(&b, "\n| scenario | alert | receivers | time | real durations (× %d) | goal | note |\n|---|---|---|---|---|---|---|\n", timeDivisor)
	for _, r := range e.results {
		real, goal := "", ""
		if r.scaled {
			real = fmtDuration(r.took * timeDivisor)
		}
		if r.goal > 0 {
			mark := "met"
			if r.took*timeDivisor > r.goal {
				mark = "MISSED"
			}
			goal = fmt.Sprintf("≤ %s: %s", fmtDuration(r.goal), mark)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %.1f s | %s | %s | %s |\n", r.scenario, r.alert, r.receivers, r.took.Seconds(), real, goal, r.note)
	}
	fmt.Print(b.String())
}

// fmtDuration writes d as minutes and seconds ("4 min 10 s").
func fmtDuration(d time.Duration) string {
	d = d.Round(5 * time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%d s", int(d.Seconds()))
	}
	return fmt.Sprintf("%d min %02d s", int(d.Minutes()), int(d.Seconds())%60)
}
