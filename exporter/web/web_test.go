package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRoutes(t *testing.T) {
	ready := false
	reloadErr := errors.New("collectors.yaml:3: collector \"x\": unknown key \"sqll\"")
	reloads := 0
	h, err := NewHandler(Options{
		Version: "1.2.3",
		Metrics: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "kos_up 1\n") }),
		Ready:   func() bool { return ready },
		Reload: func(context.Context) error {
			reloads++
			if reloads == 1 {
				return reloadErr
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, path string
		setReady           bool
		code               int
		body               string
	}{
		{"landing page", "GET", "/", false, 200, "kos_exporter"},
		{"metrics", "GET", "/metrics", false, 200, "kos_up 1"},
		{"healthy", "GET", "/-/healthy", false, 200, "Healthy"},
		{"not ready before first runs", "GET", "/-/ready", false, 503, "Not ready"},
		{"ready", "GET", "/-/ready", true, 200, "Ready"},
		{"reload needs POST", "GET", "/-/reload", true, 405, ""},
		{"rejected reload says why", "POST", "/-/reload", true, 500, `unknown key "sqll"`},
		{"good reload", "POST", "/-/reload", true, 200, "Reloaded"},
		{"no pprof", "GET", "/debug/pprof/", true, 404, ""},
		{"unknown path", "GET", "/nope", true, 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ready = tc.setReady
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.body) {
				t.Errorf("%s %s: %d %q, want %d containing %q", tc.method, tc.path, rec.Code, rec.Body, tc.code, tc.body)
			}
		})
	}
}
