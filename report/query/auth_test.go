package query

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kos-ops/kos_exporter/internal/testcert"
	"github.com/kos-ops/kos_exporter/report/internal/fakeprom"
)

// TestHTTPConfigFile runs against Prometheus servers behind basic auth, a
// bearer token and a self-signed certificate: refused without the HTTP
// client config, answered with it.
func TestHTTPConfigFile(t *testing.T) {
	prom := fake(t, fakeprom.Data{Collectors: []string{"mnp"}})
	cert, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	write("ca.pem", string(cert.CertPEM))
	write("password", "s3cret\n")
	for _, tc := range []struct {
		name    string
		check   func(*http.Request) bool // the server's access check
		tls     bool
		config  string // HTTP client config; relative paths are beside it
		without string // the error without the config
	}{
		{
			name:    "basic auth",
			check:   func(r *http.Request) bool { u, p, ok := r.BasicAuth(); return ok && u == "report" && p == "s3cret" },
			config:  "basic_auth: {username: report, password_file: password}\n",
			without: "reading recording rules from Prometheus at URL: answered 401 Unauthorized: credentials missing or refused",
		},
		{
			name:    "bearer token",
			check:   func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer t0ken" },
			config:  "authorization: {credentials: t0ken}\n",
			without: "reading recording rules from Prometheus at URL: answered 401 Unauthorized: credentials missing or refused",
		},
		{
			name:    "TLS with a self-signed certificate",
			check:   func(*http.Request) bool { return true },
			tls:     true,
			config:  "tls_config: {ca_file: ca.pem}\n",
			without: "certificate signed by unknown authority",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !tc.check(r) {
					http.Error(w, "Unauthorized", http.StatusUnauthorized)
					return
				}
				prom.ServeHTTP(w, r)
			})
			srv := httptest.NewUnstartedServer(h)
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
			if tc.tls {
				pair, err := tls.X509KeyPair(cert.CertPEM, cert.KeyPEM)
				if err != nil {
					t.Fatal(err)
				}
				srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
				srv.StartTLS()
			} else {
				srv.Start()
			}
			t.Cleanup(srv.Close)
			configFile := write(strings.ReplaceAll(tc.name, " ", "_")+".yml", tc.config)
			for _, file := range []string{"", configFile} {
				c, err := New(srv.URL, []string{"mnp"}, file)
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.Day(context.Background(), at(0, 0), 1)
				switch want := strings.ReplaceAll(tc.without, "URL", srv.URL); {
				case file == "" && (err == nil || !strings.Contains(err.Error(), want)):
					t.Errorf("without config: error %v, want %q", err, want)
				case file != "" && err != nil:
					t.Errorf("with config: %v", err)
				}
			}
		})
	}
	t.Run("bad config", func(t *testing.T) {
		for _, tc := range []struct{ name, config, want string }{
			{"missing", "", "HTTP client config " + filepath.Join(dir, "absent.yml") + ": open "},
			{"unknown field", "basic_auth: {user: x}\n", "field user not found"},
			{"two credentials", "basic_auth: {username: a, password: b}\nauthorization: {credentials: c}\n", "at most one of basic_auth, oauth2 & authorization must be configured"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				path := filepath.Join(dir, "absent.yml")
				if tc.config != "" {
					path = write(tc.name+".yml", tc.config)
				}
				if _, err := New("http://prom:9090", []string{"mnp"}, path); err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("New error %v, want %q", err, tc.want)
				}
			})
		}
	})
}
