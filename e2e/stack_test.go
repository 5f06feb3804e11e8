//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/internal/wireproxy"
)

// env is what every scenario shares: binaries, the log directory, the
// webhook receiver and the summary table.
type env struct {
	root                                    string // repository root
	exporter, sim, prometheus, alertmanager string // binaries
	speed                                   string // simulator speed
	logDir                                  string
	rcv                                     *receiver
	collectors                              string                   // collectors.yaml shortened (config_test.go)
	intervals                               map[string]time.Duration // per collector, from collectors

	mu      sync.Mutex
	results []result
}

// result is one row of the closing summary.
type result struct {
	scenario, alert, receivers string
	took                       time.Duration
	scaled                     bool          // took is compressed time: the summary shows it × timeDivisor too
	goal                       time.Duration // the real-duration goal for took, if any
	note                       string
}

func (e *env) record(r result) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.results = append(e.results, r)
}

// stackOpts says what one scenario runs.
type stackOpts struct {
	incidents     []string // --incident at start
	simArgs       []string // more kos_launchsim flags
	prometheus    int      // replicas (default 1)
	alertmanagers int      // clustered when more than one (default 1)
	proxy         bool     // count the exporter's queries on the wire
}

// stack is one scenario's processes: simulator, exporter, Prometheus
// replicas and Alertmanagers, each on its own free ports.
type stack struct {
	e    *env
	name string
	dir  string

	sim                *proc
	simAddr, adminAddr string
	proxy              *wireproxy.Proxy
	exporter           *proc
	exporterAddr       string
	proms, ams         []*proc
	promAddrs, amAddrs []string
}

func startStack(ctx context.Context, t *testing.T, e *env, name string, o stackOpts) *stack {
	t.Helper()
	o.prometheus, o.alertmanagers = max(o.prometheus, 1), max(o.alertmanagers, 1)
	s := &stack{e: e, name: name, dir: filepath.Join(e.logDir, name)}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}

	s.simAddr, s.adminAddr = freeAddr(t), freeAddr(t)
	simArgs := []string{"--listen", s.simAddr, "--admin.listen", s.adminAddr, "--speed", e.speed}
	for _, i := range o.incidents {
		simArgs = append(simArgs, "--incident", i)
	}
	simArgs = append(simArgs, o.simArgs...)
	s.sim = startProc(t, s.dir, "kos_launchsim", e.sim, nil, simArgs...)
	must(waitTCP(ctx, s.sim, s.simAddr))
	must(waitReady(ctx, s.sim, "http://"+s.adminAddr+"/incidents"))

	dbAddr := s.simAddr
	if o.proxy {
		p, err := wireproxy.Start(s.simAddr)
		must(err)
		t.Cleanup(p.Close)
		s.proxy, dbAddr = p, p.Addr
	}
	s.exporterAddr = freeAddr(t)
	s.exporter = startProc(t, s.dir, "kos_exporter", e.exporter,
		[]string{"KOS_DSN=root@tcp(" + dbAddr + ")/kos"},
		"--config.file", e.collectors, "--web.listen-address", s.exporterAddr)
	must(waitReady(ctx, s.exporter, "http://"+s.exporterAddr+"/-/ready"))

	amCfg := filepath.Join(s.dir, "alertmanager.yml")
	must(writeAlertmanagerConfig(filepath.Join(e.root, "examples", "alertmanager.yml"), amCfg, e.rcv.URL+"/"+name+"/"))
	var clusterAddrs []string
	for range o.alertmanagers {
		s.amAddrs = append(s.amAddrs, freeAddr(t))
		clusterAddrs = append(clusterAddrs, freeAddr(t))
	}
	for i, addr := range s.amAddrs {
		args := []string{"--config.file", amCfg, "--storage.path", filepath.Join(s.dir, fmt.Sprintf("am%d-data", i)),
			"--web.listen-address", addr, "--cluster.listen-address", ""}
		if o.alertmanagers > 1 {
			args[len(args)-1] = clusterAddrs[i]
			args = append(args, "--cluster.advertise-address", clusterAddrs[i])
			for j, peer := range clusterAddrs {
				if j != i {
					args = append(args, "--cluster.peer", peer)
				}
			}
		}
		s.ams = append(s.ams, startProc(t, s.dir, fmt.Sprintf("alertmanager%d", i), e.alertmanager, nil, args...))
	}
	for i, addr := range s.amAddrs {
		must(waitReady(ctx, s.ams[i], "http://"+addr+"/-/ready"))
	}

	rulesDir := filepath.Join(s.dir, "rules")
	must(os.MkdirAll(rulesDir, 0o755))
	speed, err := strconv.ParseFloat(e.speed, 64)
	must(err)
	must(writeRules(filepath.Join(e.root, "rules"), rulesDir, speed))
	for i := range o.prometheus {
		replica := ""
		if o.prometheus > 1 {
			replica = strconv.Itoa(i)
		}
		cfg := filepath.Join(s.dir, fmt.Sprintf("prometheus%d.yml", i))
		must(writePrometheusConfig(cfg, rulesDir, s.exporterAddr, replica, s.amAddrs))
		addr := freeAddr(t)
		s.promAddrs = append(s.promAddrs, addr)
		s.proms = append(s.proms, startProc(t, s.dir, fmt.Sprintf("prometheus%d", i), e.prometheus, nil,
			"--config.file", cfg, "--storage.tsdb.path", filepath.Join(s.dir, fmt.Sprintf("prom%d-data", i)),
			"--web.listen-address", addr))
	}
	for i, addr := range s.promAddrs {
		must(waitReady(ctx, s.proms[i], "http://"+addr+"/-/ready"))
	}
	return s
}

// post calls the simulator's admin API.
func (s *stack) post(path string) error {
	return s.call(adminCall{http.MethodPost, path})
}

// waitQuery waits until the instant query q on replica 0 returns a
// sample, checking the processes are alive every second.
func (s *stack) waitQuery(ctx context.Context, q string) ([]sample, error) {
	for {
		got, err := s.query(0, q)
		if err == nil && len(got) > 0 {
			return got, nil
		}
		if err == nil {
			err = s.alive()
		}
		if err != nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: waiting for %s: %w", s.name, q, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// sample is one element of an instant-vector result.
type sample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// query runs an instant query on replica i.
func (s *stack) query(i int, q string) ([]sample, error) {
	resp, err := http.Get("http://" + s.promAddrs[i] + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("query %q: %w", q, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query %q: %s", q, body.Error)
	}
	if body.Data.ResultType == "scalar" {
		return []sample{{}}, nil
	}
	var out []sample
	if err := json.Unmarshal(body.Data.Result, &out); err != nil {
		return nil, fmt.Errorf("query %q: %w", q, err)
	}
	return out, nil
}

// amAlert is an alert as Alertmanager's API v2 lists it.
type amAlert struct {
	Labels map[string]string `json:"labels"`
	Status struct {
		State       string   `json:"state"`
		InhibitedBy []string `json:"inhibitedBy"`
	} `json:"status"`
}

func (s *stack) amAlerts(i int) ([]amAlert, error) {
	resp, err := http.Get("http://" + s.amAddrs[i] + "/api/v2/alerts")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out []amAlert
	return out, json.NewDecoder(resp.Body).Decode(&out)
}

var runsRe = regexp.MustCompile(`(?m)^kos_exporter_collector_runs_total\{collector="([^"]+)",target="[^"]+"\} (\S+)$`)

// runs reads kos_exporter_collector_runs_total per collector from the
// exporter itself.
func (s *stack) runs() (map[string]float64, error) {
	resp, err := http.Get("http://" + s.exporterAddr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, m := range runsRe.FindAllStringSubmatch(string(b), -1) {
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return nil, err
		}
		out[m[1]] = v
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no kos_exporter_collector_runs_total on %s", s.exporterAddr)
	}
	return out, nil
}

// waitFor waits until cond holds for the scenario's notifications, checking
// the processes are alive every second.
func (s *stack) waitFor(ctx context.Context, what string, cond func([]notification) bool) ([]notification, error) {
	for {
		got, wake := s.e.rcv.since(s.name)
		if cond(got) {
			return got, nil
		}
		if err := s.alive(); err != nil {
			return got, err
		}
		select {
		case <-ctx.Done():
			return got, fmt.Errorf("%s: waiting for %s: %w; got %s", s.name, what, ctx.Err(), describe(got))
		case <-wake:
		case <-time.After(time.Second):
		}
	}
}

// alive reports the first process of the stack that exited on its own.
func (s *stack) alive() error {
	for _, p := range append([]*proc{s.sim, s.exporter}, append(s.proms, s.ams...)...) {
		if p == nil || p.stopped.Load() {
			continue
		}
		if err := p.exitedEarly(); err != nil {
			return err
		}
	}
	return nil
}

// describe summarises notifications for failure messages.
func describe(ns []notification) string {
	if len(ns) == 0 {
		return "no notification"
	}
	var b strings.Builder
	for _, n := range ns {
		fmt.Fprintf(&b, "\n  %s %s %s:", n.At.Format("15:04:05.000"), n.Path, n.Status)
		for _, a := range n.Alerts {
			fmt.Fprintf(&b, " %s%v(%s)", a.Labels["alertname"], a.Labels, a.Status)
		}
	}
	return b.String()
}
