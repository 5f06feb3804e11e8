package web

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	toolkit "github.com/prometheus/exporter-toolkit/web"

	"github.com/kos-ops/kos_exporter/internal/clitest"
	"github.com/kos-ops/kos_exporter/internal/testcert"
)

func TestNewServerTimeouts(t *testing.T) {
	s := NewServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler), Timeouts{})
	if s.ReadHeaderTimeout != 10*time.Second || s.ReadTimeout != 30*time.Second ||
		s.WriteTimeout != time.Minute || s.IdleTimeout != 90*time.Second || s.MaxHeaderBytes != 64<<10 {
		t.Errorf("timeouts %v %v %v %v, max header %d", s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout, s.IdleTimeout, s.MaxHeaderBytes)
	}
	if s.ErrorLog == nil {
		t.Errorf("ErrorLog unset: server errors go to Go's standard logger")
	}
	s = NewServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler), Timeouts{Idle: time.Second})
	if s.IdleTimeout != time.Second || s.WriteTimeout != time.Minute {
		t.Errorf("override: idle %v write %v", s.IdleTimeout, s.WriteTimeout)
	}
}

// serve runs NewServer through the exporter-toolkit, as the command does,
// on a free local port; webConfig may be empty.
func serve(t *testing.T, logger *slog.Logger, timeouts Timeouts, webConfig string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	server := NewServer(h, logger, timeouts)
	flags := &toolkit.FlagConfig{WebConfigFile: &webConfig}
	done := make(chan error, 1)
	go func() { done <- toolkit.Serve(l, server, flags, logger) }()
	t.Cleanup(func() {
		server.Close()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	return l.Addr().String()
}

func TestIdleConnectionsAreClosed(t *testing.T) {
	addr := serve(t, slog.New(slog.DiscardHandler), Timeouts{Idle: 200 * time.Millisecond, ReadHeader: 200 * time.Millisecond}, "")
	for _, tc := range []struct {
		name    string
		request string // sent first; the connection is then left idle
	}{
		{"after a keep-alive request", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"without any request", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			r := bufio.NewReader(conn)
			if tc.request != "" {
				io.WriteString(conn, tc.request)
				resp, err := http.ReadResponse(r, nil)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.Close {
					t.Fatalf("server closed the connection itself; the test needs keep-alive")
				}
			}
			// A server that holds idle connections forever never ends this
			// read; the deadline only turns that hang into a failure.
			conn.SetReadDeadline(time.Now().Add(time.Minute))
			_, err = r.ReadByte()
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("idle connection still open after a minute")
			}
			if !errors.Is(err, io.EOF) {
				t.Errorf("read after idling: %v, want EOF", err)
			}
		})
	}
}

func TestTLSErrorsGoToSlog(t *testing.T) {
	dir := t.TempDir()
	writeSelfSigned(t, dir)
	webConfig := filepath.Join(dir, "web.yml")
	if err := os.WriteFile(webConfig, []byte("tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs clitest.SyncBuffer
	addr := serve(t, slog.New(slog.NewJSONHandler(&logs, nil)), Timeouts{}, webConfig)

	// Plain HTTP on the TLS port, and a client that does not trust the
	// certificate: both handshakes fail on the server.
	if c, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "127.0.0.1"}); err == nil {
		c.Close()
		t.Fatal("handshake with an untrusted certificate succeeded")
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
	io.Copy(io.Discard, c)
	c.Close()

	var found []map[string]any
	for deadline := time.Now().Add(time.Minute); len(found) < 2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		found = found[:0]
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) != nil {
				continue
			}
			if msg, _ := rec["msg"].(string); strings.Contains(msg, "TLS handshake error") {
				found = append(found, rec)
			}
		}
	}
	if len(found) < 2 {
		t.Fatalf("want 2 TLS handshake errors as JSON records; log:\n%s", logs.String())
	}
	plain := false
	for _, rec := range found {
		if rec["level"] != "WARN" || rec["component"] != "http" {
			t.Errorf("record %v, want level WARN and component http", rec)
		}
		msg, _ := rec["msg"].(string)
		plain = plain || strings.Contains(msg, "client sent an HTTP request to an HTTPS server")
	}
	if !plain {
		t.Errorf("plain HTTP on the TLS port not logged; log:\n%s", logs.String())
	}
}

func writeSelfSigned(t *testing.T, dir string) {
	t.Helper()
	c, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"tls.crt": c.CertPEM, "tls.key": c.KeyPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
