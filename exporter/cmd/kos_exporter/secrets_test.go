package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/internal/clitest"
)

// The sentinel password, in variants holding the characters that split a
// DSN. No output of the exporter may show it or a part of it.
const sentinel = "Xq7SENTINELpw"

var sentinelParts = []string{sentinel, "Xq7SENT", "SENTINEL", "INELpw", "kos:Xq7"}

func showsSentinel(text string) string {
	for _, part := range sentinelParts {
		if strings.Contains(text, part) {
			return part
		}
	}
	return ""
}

// brokenDSNs are DSNs the driver refuses with a message quoting a value.
func brokenDSNs() map[string]string {
	out := map[string]string{}
	for _, pw := range []string{sentinel + "/x", sentinel + "@x", sentinel + "(x", sentinel + "?x"} {
		for name, dsn := range map[string]string{
			"no dbname":        "kos:" + pw + "@tcp(127.0.0.1:3306)",
			"unterminated":     "kos:" + pw + "@tcp(127.0.0.1:3306/db",
			"timeout value":    "kos:" + pw + "@tcp(127.0.0.1:3306)/db?timeout=" + sentinel,
			"tls value":        "kos:" + pw + "@tcp(127.0.0.1:3306)/db?tls=" + sentinel,
			"loc value":        "kos:" + pw + "@tcp(127.0.0.1:3306)/db?loc=" + sentinel,
			"bool value":       "kos:" + pw + "@tcp(127.0.0.1:3306)/db?parseTime=" + sentinel,
			"dbname escape":    "kos:" + pw + "@tcp(127.0.0.1:3306)/db%zz" + sentinel,
			"readTimeout":      "kos:" + pw + "@tcp(127.0.0.1:3306)/db?readTimeout=" + sentinel,
			"collation+interp": "kos:" + pw + "@tcp(127.0.0.1:3306)/db?interpolateParams=true&collation=gbk_chinese_ci",
		} {
			out[name+" "+pw[len(sentinel):]] = dsn
		}
	}
	return out
}

// sentinelConfig writes a config whose target kos gets dsn by way of how
// ("dsn", "env" or "dsn_file"), and returns its path.
func sentinelConfig(t *testing.T, dir, dsn, how string) string {
	t.Helper()
	var spec string
	switch how {
	case "dsn":
		spec = "dsn: '" + dsn + "'"
	case "env":
		t.Setenv("KOS_SENTINEL_DSN", dsn)
		spec = "dsn: ${KOS_SENTINEL_DSN}"
	case "dsn_file":
		spec = "dsn_file: " + writeFile(t, filepath.Join(dir, "kos.dsn"), dsn+"\n")
	}
	return writeFile(t, filepath.Join(dir, "collectors.yaml"), fmt.Sprintf(`global: {interval: 1s, timeout: 1s}
targets:
  kos:
    %s
collectors:
  - {name: a, target: kos, sql: SELECT 1 AS n, metrics: [{name: kos_a, type: gauge, help: H., value: n}]}
`, spec))
}

func TestNoSecretInAnyOutput(t *testing.T) {
	db := seededDB(t)
	cfg, err := mysql.ParseDSN(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	// Good DSNs: the test database with the sentinel as password (the
	// in-process server accepts it, a real one refuses it), and a closed
	// port.
	cfg.User, cfg.Passwd = "kos", sentinel+"/x"
	goodDSNs := map[string]string{"test database": cfg.FormatDSN(), "closed port": "kos:" + sentinel + "@x@tcp(127.0.0.1:1)/db"}
	broken := brokenDSNs()

	var outputs []string // every log, reply and body, with what produced it
	record := func(what, text string) { outputs = append(outputs, what+"\n"+text) }

	for _, level := range []string{"debug", "info", "warn", "error"} {
		for _, format := range []string{"logfmt", "json"} {
			logFlags := []string{"--log.level", level, "--log.format", format}
			t.Run(level+"/"+format, func(t *testing.T) {
				dir := t.TempDir()
				// --config.check, --config.check.connect and startup on
				// every DSN, good and broken, in every way of giving it.
				for name, dsn := range mergeDSNs(goodDSNs, broken) {
					for _, how := range []string{"dsn", "env", "dsn_file"} {
						path := sentinelConfig(t, dir, dsn, how)
						for _, mode := range []string{"--config.check", "--config.check.connect"} {
							var stdout, stderr bytes.Buffer
							code := run(context.Background(), append([]string{mode, "--config.file", path}, logFlags...), &stdout, &stderr)
							record(fmt.Sprintf("%s %s %s: exit %d", mode, name, how, code), stdout.String()+stderr.String())
							if _, good := goodDSNs[name]; !good && (code != 1 || !strings.Contains(stderr.String(), `target "kos": invalid dsn: `)) {
								t.Errorf("%s with %s via %s: exit %d, output %q; want 1 and the dsn named", mode, name, how, code, stderr.String())
							}
						}
						if _, good := goodDSNs[name]; !good {
							var stdout, stderr bytes.Buffer
							code := run(context.Background(), append([]string{"--config.file", path, "--web.listen-address", freeAddr(t)}, logFlags...), &stdout, &stderr)
							record(fmt.Sprintf("startup %s %s: exit %d", name, how, code), stdout.String()+stderr.String())
							if code != 1 {
								t.Errorf("startup with %s via %s: exit %d, want 1", name, how, code)
							}
						}
					}
				}

				// A running exporter on the good DSNs, reloaded with every
				// broken one by HTTP and by SIGHUP.
				goodDir := t.TempDir()
				goodPath := writeFile(t, filepath.Join(goodDir, "collectors.yaml"), fmt.Sprintf(`global: {interval: 1s, timeout: 1s}
targets:
  kos: {dsn: '%s'}
  down: {dsn_file: down.dsn}
collectors:
  - {name: a, target: kos, sql: SELECT 1 AS n, metrics: [{name: kos_a, type: gauge, help: H., value: n}]}
  - {name: b, target: down, sql: SELECT 1 AS n, metrics: [{name: kos_b, type: gauge, help: H., value: n}]}
`, goodDSNs["test database"]))
				writeFile(t, filepath.Join(goodDir, "down.dsn"), goodDSNs["closed port"])
				var stdout clitest.SyncBuffer
				e := startExporterOut(t, &stdout, append([]string{"--config.file", goodPath}, logFlags...)...)
				e.waitFor(t, "/-/healthy", "Healthy")
				rejected := func() int { return strings.Count(e.stderr.String(), "Reload rejected") }
				for name, dsn := range broken {
					for _, how := range []string{"dsn", "env", "dsn_file"} {
						sentinelConfig(t, goodDir, dsn, how) // over goodPath
						code, body := e.do(t, "POST", "/-/reload")
						record(fmt.Sprintf("POST /-/reload %s %s: %d", name, how, code), body)
						if code != http.StatusInternalServerError || !strings.Contains(body, `target "kos": invalid dsn: `) {
							t.Errorf("POST /-/reload with %s via %s: %d %q", name, how, code, body)
						}
						before := rejected()
						if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
							t.Fatal(err)
						}
						for deadline := time.Now().Add(20 * time.Second); rejected() == before; time.Sleep(5 * time.Millisecond) {
							if time.Now().After(deadline) {
								t.Fatalf("SIGHUP reload with %s via %s never logged", name, how)
							}
						}
					}
				}
				// Let the collectors run on the good DSNs (and fail on the
				// closed port), then read every page.
				time.Sleep(1500 * time.Millisecond)
				for _, path := range []string{"/metrics", "/", "/-/ready", "/-/healthy"} {
					code, body := e.get(t, path)
					record(fmt.Sprintf("GET %s: %d", path, code), body)
				}
				e.cancel()
				code := <-e.done
				e.done <- code // for the check in startExporterOut's cleanup
				record("exporter log", e.stderr.String())
				record("exporter stdout", stdout.String())
			})
		}
	}

	leaked := 0
	for _, out := range outputs {
		if part := showsSentinel(out); part != "" {
			leaked++
			if leaked <= 10 {
				what, text, _ := strings.Cut(out, "\n")
				t.Errorf("%s shows %q:\n%s", what, part, text)
			}
		}
	}
	if leaked > 10 {
		t.Errorf("%d outputs in all show the password", leaked)
	}
	t.Logf("%d outputs checked", len(outputs))
}

func mergeDSNs(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
