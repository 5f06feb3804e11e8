package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/internal/clitest"
	"github.com/kos-ops/kos_exporter/internal/mysqltest"
	"github.com/kos-ops/kos_exporter/internal/testcert"
)

const collectorsTemplate = `global:
  interval: 1s
  timeout: 1s
targets:
  kos:
    dsn: ${KOS_TEST_EXPORTER_DSN}
collectors:
  - name: activations
    sql: SELECT model, n FROM act
    metrics:
      - name: kos_activations
        type: gauge
        help: Activations by model.
        labels: [model]
        value: n
%s`

const queueCollector = `  - name: queue
    sql: SELECT COUNT(*) AS depth FROM act
    metrics:
      - {name: kos_queue_items, type: gauge, help: Queue depth., value: depth}
`

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("KOS_TEST_EXPORTER_DSN", "root:pw-never-shown@tcp(127.0.0.1:1)/kos")
	good := writeFile(t, filepath.Join(dir, "good.yml"), fmt.Sprintf(collectorsTemplate, queueCollector))
	bad := writeFile(t, filepath.Join(dir, "bad.yml"), strings.Replace(
		fmt.Sprintf(collectorsTemplate, queueCollector), "type: gauge", "type: gauges", 1)+"  - name: x\n")
	for _, tc := range []struct {
		name     string
		file     string
		code     int
		contains []string
	}{
		{"good", good, 0, []string{"good.yml: OK (1 targets, 2 collectors)"}},
		{"bad", bad, 1, []string{
			"bad.yml:12: collector \"activations\" metric \"kos_activations\": unknown type \"gauges\"",
			"bad.yml:20: collector \"x\": missing required key \"sql\"",
			"problem(s)",
		}},
		{"missing file", filepath.Join(dir, "nope.yml"), 1, []string{"nope.yml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"--config.check", "--config.file", tc.file}, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tc.code {
				t.Errorf("exit %d, want %d; output:\n%s", code, tc.code, out)
			}
			for _, want := range tc.contains {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "pw-never-shown") {
				t.Errorf("output reveals the password:\n%s", out)
			}
		})
	}
}

func TestBadFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"--no-such-flag"}, &stdout, &stderr); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "no-such-flag") {
		t.Errorf("stderr does not name the flag: %q", stderr.String())
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"--version"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String()+stderr.String(), "kos_exporter, version") {
		t.Errorf("--version: exit %d, output %q", code, stdout.String()+stderr.String())
	}
}

// exporter runs the whole program in-process on a free port.
type exporter struct {
	url    string
	client *http.Client
	user   string
	pass   string
	stderr *clitest.SyncBuffer
	done   chan int
	cancel context.CancelFunc
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func startExporter(t *testing.T, args ...string) *exporter {
	t.Helper()
	return startExporterOut(t, io.Discard, append([]string{"--log.level", "debug"}, args...)...)
}

// startExporterOut is startExporter with stdout given and no log level set.
func startExporterOut(t *testing.T, stdout io.Writer, args ...string) *exporter {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	e := &exporter{url: "http://" + addr, client: &http.Client{Timeout: 10 * time.Second}, stderr: &clitest.SyncBuffer{}, done: make(chan int, 1), cancel: cancel}
	go func() {
		e.done <- run(ctx, append([]string{"--web.listen-address", addr}, args...), stdout, e.stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-e.done:
			if code != 0 {
				t.Errorf("exporter exited %d; log:\n%s", code, e.stderr)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("exporter did not stop")
		}
	})
	return e
}

func (e *exporter) get(t *testing.T, path string) (int, string) {
	t.Helper()
	return e.do(t, "GET", path)
}

func (e *exporter) do(t *testing.T, method, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, e.url+path, nil)
	if e.user != "" {
		req.SetBasicAuth(e.user, e.pass)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *exporter) waitFor(t *testing.T, path, want string) string {
	t.Helper()
	var body string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var code int
		if code, body = e.get(t, path); code == 200 && strings.Contains(body, want) {
			return body
		}
	}
	t.Fatalf("%s never contained %q; last body:\n%s\nlog:\n%s", path, want, body, e.stderr)
	return ""
}

func seededDB(t *testing.T) *mysqltest.DB {
	db := mysqltest.New(t)
	db.Exec(t, "CREATE TABLE act (id INT PRIMARY KEY, model VARCHAR(20), n INT)",
		"INSERT INTO act VALUES (1, 'iphone17', 120), (2, 'galaxy_s26', 80)")
	t.Setenv("KOS_TEST_EXPORTER_DSN", db.DSN)
	return db
}

func TestServeReloadAndEndpoints(t *testing.T) {
	seededDB(t)
	cfgPath := writeFile(t, filepath.Join(t.TempDir(), "collectors.yaml"), fmt.Sprintf(collectorsTemplate, ""))
	e := startExporter(t, "--config.file", cfgPath)

	e.waitFor(t, "/-/ready", "Ready")
	body := e.waitFor(t, "/metrics", `kos_activations{model="iphone17"} 120`)
	for _, want := range []string{"kos_exporter_build_info{", `kos_exporter_collector_up{collector="activations",target="kos"} 1`,
		`kos_exporter_target_up{target="kos"} 1`, "kos_exporter_config_last_reload_successful 1", `go_sql_max_open_connections{db_name="kos"} 2`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if code, body := e.get(t, "/"); code != 200 || !strings.Contains(body, "kos_exporter") {
		t.Errorf("landing page: %d %q", code, body)
	}
	if code, _ := e.get(t, "/-/healthy"); code != 200 {
		t.Errorf("/-/healthy: %d", code)
	}
	if code, _ := e.get(t, "/-/reload"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /-/reload: %d, want 405", code)
	}
	if code, _ := e.get(t, "/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("pprof is served on the metrics port: %d", code)
	}

	t.Run("bad reload keeps the old config", func(t *testing.T) {
		writeFile(t, cfgPath, "collectors: [{name: broken}]\n")
		code, msg := e.do(t, "POST", "/-/reload")
		if code != http.StatusInternalServerError || !strings.Contains(msg, "collectors.yaml:1") {
			t.Errorf("POST /-/reload with a broken file: %d %q, want 500 naming collectors.yaml:1", code, msg)
		}
		body := e.waitFor(t, "/metrics", "kos_exporter_config_last_reload_successful 0")
		if !strings.Contains(body, `kos_activations{model="iphone17"} 120`) {
			t.Errorf("old config stopped serving after a rejected reload")
		}
	})

	t.Run("good reload via POST", func(t *testing.T) {
		writeFile(t, cfgPath, fmt.Sprintf(collectorsTemplate, queueCollector))
		if code, msg := e.do(t, "POST", "/-/reload"); code != 200 {
			t.Fatalf("POST /-/reload: %d %q", code, msg)
		}
		body := e.waitFor(t, "/metrics", "kos_queue_items 2")
		if !strings.Contains(body, "kos_exporter_config_last_reload_successful 1") {
			t.Errorf("reload success not reported")
		}
	})

	t.Run("reload on SIGHUP", func(t *testing.T) {
		writeFile(t, cfgPath, fmt.Sprintf(collectorsTemplate, ""))
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if _, body := e.get(t, "/metrics"); !strings.Contains(body, "kos_queue_items") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("queue collector still exposed after SIGHUP reload without it")
			}
		}
	})
}

func TestTLSAndBasicAuth(t *testing.T) {
	seededDB(t)
	dir := t.TempDir()
	certPEM, keyPEM, pool := selfSignedCert(t)
	writeFile(t, filepath.Join(dir, "tls.crt"), string(certPEM))
	writeFile(t, filepath.Join(dir, "tls.key"), string(keyPEM))
	hash, err := bcrypt.GenerateFromPassword([]byte("war-room"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webCfg := writeFile(t, filepath.Join(dir, "web.yml"), fmt.Sprintf(
		"tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\nbasic_auth_users:\n  kos: %s\n", hash))
	cfgPath := writeFile(t, filepath.Join(dir, "collectors.yaml"), fmt.Sprintf(collectorsTemplate, ""))

	e := startExporter(t, "--config.file", cfgPath, "--web.config.file", webCfg)
	e.url = strings.Replace(e.url, "http://", "https://", 1)
	e.client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}

	// Wait for the listener with the right credentials first.
	e.user, e.pass = "kos", "war-room"
	e.waitFor(t, "/metrics", `kos_activations{model="iphone17"} 120`)

	e.user, e.pass = "kos", "wrong"
	if code, _ := e.get(t, "/metrics"); code != http.StatusUnauthorized {
		t.Errorf("wrong password: %d, want 401", code)
	}
	e.user = ""
	if code, _ := e.get(t, "/metrics"); code != http.StatusUnauthorized {
		t.Errorf("no credentials: %d, want 401", code)
	}
	plain := &http.Client{Timeout: 5 * time.Second}
	if resp, err := plain.Get(strings.Replace(e.url, "https://", "http://", 1) + "/metrics"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Errorf("plain HTTP served metrics while TLS is configured")
		}
	}
}

func selfSignedCert(t *testing.T) (certPEM, keyPEM []byte, pool *x509.CertPool) {
	t.Helper()
	c, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	return c.CertPEM, c.KeyPEM, c.Pool
}

func TestConfigCheckConnect(t *testing.T) {
	db := seededDB(t)
	dir := t.TempDir()
	path := writeFile(t, filepath.Join(dir, "collectors.yaml"), fmt.Sprintf(collectorsTemplate, ""))
	for _, tc := range []struct {
		name, dsn string
		code      int
		contains  string
	}{
		{"reachable", db.DSN, 0, "collectors.yaml: OK (1 targets, 1 collectors)"},
		{"closed port", "kos:pw-never-shown@tcp(127.0.0.1:1)/kos", 1, `collectors.yaml:5: target "kos": connect: `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("KOS_TEST_EXPORTER_DSN", tc.dsn)
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"--config.check.connect", "--config.file", path}, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tc.code || !strings.Contains(out, tc.contains) {
				t.Errorf("exit %d, want %d with %q; output:\n%s", code, tc.code, tc.contains, out)
			}
			if tc.code != 0 && !strings.Contains(out, "1 of 1 targets cannot be reached") {
				t.Errorf("no summary line:\n%s", out)
			}
			if strings.Contains(out, "pw-never-shown") {
				t.Errorf("output reveals the password:\n%s", out)
			}
		})
	}
}

func TestReloadCannotBlockOrFlood(t *testing.T) {
	seededDB(t)
	dir := t.TempDir()
	cfgPath := writeFile(t, filepath.Join(dir, "collectors.yaml"), fmt.Sprintf(collectorsTemplate, ""))
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	e := startExporter(t, "--config.file", cfgPath)
	e.waitFor(t, "/-/healthy", "Healthy")
	// A flood of unknown keys, through aliases.
	keys := make([]string, 300)
	for i := range keys {
		keys[i] = fmt.Sprintf("u%d: 1", i)
	}
	flood := "k: &k {" + strings.Join(keys, ", ") + "}\ncollectors: [" + strings.TrimSuffix(strings.Repeat("*k, ", 300), ", ") + "]\n"

	for _, tc := range []struct {
		name, config, want string
	}{
		{"dsn_file is a FIFO", "targets:\n  kos: {dsn_file: " + fifo + "}\ncollectors: []\n", "fifo is not a regular file (a named pipe)"},
		{"dsn_file is /dev/zero", "targets:\n  kos: {dsn_file: /dev/zero}\ncollectors: []\n", "/dev/zero is not a regular file (a character device)"},
		{"config is a FIFO", "", "collectors.yaml is not a regular file (a named pipe)"},
		// Per collector: 300 unknown keys, 3 missing, no target.
		{"error flood", flood, "... and 91101 more problems"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.config != "" {
				writeFile(t, cfgPath, tc.config)
			} else {
				os.Remove(cfgPath)
				if err := os.Symlink(fifo, cfgPath); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.Remove(cfgPath) })
			}
			logBefore := len(e.stderr.String())
			code, body := e.do(t, "POST", "/-/reload")
			if code != http.StatusInternalServerError || !strings.Contains(body, tc.want) {
				t.Errorf("POST /-/reload: %d %.2000q, want 500 with %q", code, body, tc.want)
			}
			if len(body) > 16<<10 {
				t.Errorf("reply is %d bytes", len(body))
			}
			if lines := strings.Count(e.stderr.String()[logBefore:], "\n"); lines > config.MaxErrors+5 {
				t.Errorf("reload logged %d lines", lines)
			}
			// The reload loop is free: a good file reloads.
			os.Remove(cfgPath)
			writeFile(t, cfgPath, fmt.Sprintf(collectorsTemplate, ""))
			if code, body := e.do(t, "POST", "/-/reload"); code != 200 {
				t.Errorf("good reload after it: %d %q", code, body)
			}
		})
	}
}
