package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kos-ops/kos_exporter/internal/clitest"
	"github.com/kos-ops/kos_exporter/internal/freeport"
)

// command is how systemd would start a packaged unit: its ExecStart with
// ${NAME} and $ARGS from its Environment= lines and EnvironmentFile (which
// overrides them), then from set (an admin's edit of that file),
// specifiers replaced by spec, and paths below / moved into the extracted
// deb. env is what systemd hands the process.
func (r *release) command(t *testing.T, unit string, spec, set map[string]string) (args, env []string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.debRoot, unitDir, unit))
	if err != nil {
		t.Fatal(err)
	}
	u := parseUnit(b)
	var pairs []string
	for k, v := range spec {
		pairs = append(pairs, k, v)
	}
	expand := strings.NewReplacer(pairs...).Replace
	vars := map[string]string{}
	var order []string
	assign := func(kv string) {
		k, v, _ := strings.Cut(kv, "=")
		if _, ok := vars[k]; !ok {
			order = append(order, k)
		}
		vars[k] = strings.Trim(v, `"`)
	}
	for _, e := range u["Service.Environment"] {
		assign(expand(e))
	}
	for _, f := range u["Service.EnvironmentFile"] {
		defaults, err := os.ReadFile(filepath.Join(r.debRoot, strings.TrimPrefix(f, "-")))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines(defaults) {
			if !strings.HasPrefix(l, "#") {
				assign(l)
			}
		}
	}
	for k, v := range set {
		assign(k + "=" + v)
	}
	into := strings.NewReplacer("=/etc/", "="+r.debRoot+"/etc/").Replace
	for i, a := range strings.Fields(u["Service.ExecStart"][0]) {
		switch {
		case i == 0:
			args = append(args, filepath.Join(r.debRoot, a))
		case a == "$ARGS":
			args = append(args, strings.Fields(vars["ARGS"])...)
		default:
			a = os.Expand(a, func(name string) string {
				v, ok := vars[name]
				if !ok {
					t.Fatalf("%s: ExecStart names ${%s}, which neither Environment= nor EnvironmentFile sets", unit, name)
				}
				return v
			})
			args = append(args, into(expand(a)))
		}
	}
	for _, k := range order {
		env = append(env, k+"="+vars[k])
	}
	return args, env
}

// proc is a started command whose output is kept.
type proc struct {
	cmd  *exec.Cmd
	out  clitest.SyncBuffer
	done chan struct{}
	err  error
}

func (p *proc) output() string { return p.out.String() }

// start runs args with exactly env (as systemd does: no inherited
// variables); the test's end stops it.
func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(args[0], args[1:]...), done: make(chan struct{})}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", args[0], err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(args[0]), p.output())
		}
	})
	return p
}

// waitFor polls ok every 100 ms until it holds, the process exits or
// limit passes.
func (p *proc) waitFor(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		select {
		case <-p.done:
			t.Fatalf("%s exited (%v) before %s", filepath.Base(p.cmd.Path), p.err, what)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s", what, limit)
		}
	}
}

// stop sends SIGTERM, as systemctl stop does, and wants a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("%s after SIGTERM: %v, want exit 0", filepath.Base(p.cmd.Path), p.err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("%s still running 10 s after SIGTERM", filepath.Base(p.cmd.Path))
	}
}

func get(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var collectorUp = regexp.MustCompile(`(?m)^kos_exporter_collector_up\{collector="([^"]+)",target="kos"\} (\S+)$`)

// testExporter starts the packaged kos_exporter as its unit does, on the
// packaged collectors file that CONFIG_FILE names (config; "" keeps the
// unit's default, collectors.yaml), with the DSN in a credentials
// directory, and wants every collector of that file up on the simulator;
// then reloads it as systemctl reload does and stops it as systemctl stop
// does.
func (r *release) testExporter(t *testing.T, sim, config string) {
	ports := freeport.New()
	simAddr, err := ports.Addr()
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, nil, sim, "--listen", simAddr, "--admin.listen", "")
	s.waitFor(t, "simulator listening on "+simAddr, 30*time.Second, func() bool {
		c, err := net.Dial("tcp", simAddr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})

	creds := t.TempDir()
	if err := os.WriteFile(filepath.Join(creds, "dsn"), []byte("root@tcp("+simAddr+")/kos\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	listen, err := ports.Addr()
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]string{}
	if config != "" {
		set["CONFIG_FILE"] = "/etc/kos_exporter/" + config
	} else {
		config = "collectors.yaml"
	}
	args, env := r.command(t, "kos_exporter.service", map[string]string{"%d": creds}, set)
	if want := "--config.file=" + filepath.Join(r.debRoot, "etc/kos_exporter", config); !slices.Contains(args, want) {
		t.Fatalf("the unit starts %q, want %s", args, want)
	}
	e := start(t, env, append(args, "--web.listen-address="+listen)...)
	base := "http://" + listen
	e.waitFor(t, "/-/ready", 60*time.Second, func() bool { code, _ := get(base + "/-/ready"); return code == http.StatusOK })

	var cfg struct{ Collectors []struct{ Name string } }
	b, err := os.ReadFile(filepath.Join(r.debRoot, "etc/kos_exporter", config))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range cfg.Collectors {
		want = append(want, c.Name+" 1")
	}
	code, body := get(base + "/metrics")
	var got []string
	for _, m := range collectorUp.FindAllStringSubmatch(body, -1) {
		got = append(got, m[1]+" "+m[2])
	}
	slices.Sort(got)
	slices.Sort(want)
	if code != http.StatusOK || len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("/metrics: %d, kos_exporter_collector_up %q; want every collector of the packaged %s up: %q", code, got, config, want)
	}
	t.Logf("%d collectors up: %s", len(got), strings.Join(got, ", "))
	if !regexp.MustCompile(`(?m)^kos_exporter_build_info\{.*[{,]version="` + regexp.QuoteMeta(testVersion) + `"`).MatchString(body) {
		t.Errorf("/metrics has no kos_exporter_build_info with version %q: not the release binary", testVersion)
	}

	reload := parseUnit(mustRead(t, filepath.Join(r.debRoot, unitDir, "kos_exporter.service")))["Service.ExecReload"][0]
	reload = strings.ReplaceAll(reload, "$MAINPID", strconv.Itoa(e.cmd.Process.Pid))
	if out, err := exec.Command("sh", "-c", reload).CombinedOutput(); err != nil {
		t.Fatalf("ExecReload %s: %v\n%s", reload, err, out)
	}
	e.waitFor(t, "Config reloaded in the log", 10*time.Second, func() bool { return strings.Contains(e.output(), "Config reloaded") })
	e.stop(t)
}

// testReport starts the packaged kos_report as its unit does (--every 1h,
// the webhook URL from a credential, the state in the state directory,
// ARGS from /etc/default/kos_report): it must accept every flag and start
// its hourly sender, then stop cleanly.
func (r *release) testReport(t *testing.T) {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer hook.Close()
	creds, state := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(creds, "webhook_url"), []byte(hook.URL+"/hooks/secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(state, "kos_report"), 0o700); err != nil {
		t.Fatal(err)
	}
	args, env := r.command(t, "kos_report.service", map[string]string{"%d": creds, "%S": state}, nil)
	p := start(t, env, args...)
	p.waitFor(t, "Starting kos_report in the log", 20*time.Second, func() bool { return strings.Contains(p.output(), "Starting kos_report") })
	if strings.Contains(p.output(), "secret") {
		t.Error("kos_report logged the webhook URL's secret")
	}
	p.stop(t)
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
