// Package web is the exporter's HTTP front door: metrics, landing page,
// health, readiness and reload, on a mux of its own (no pprof, no default
// mux).
package web

import (
	"context"
	"fmt"
	"net/http"

	toolkit "github.com/prometheus/exporter-toolkit/web"
)

// Options wires the handlers to the rest of the exporter.
type Options struct {
	Version string
	Metrics http.Handler
	// Ready reports whether every collector has run at least once.
	Ready func() bool
	// Reload loads the config file again; an error keeps the old config.
	Reload func(context.Context) error
}

// NewHandler returns the exporter's routes.
func NewHandler(o Options) (http.Handler, error) {
	landing, err := toolkit.NewLandingPage(toolkit.LandingConfig{
		Name:        "kos_exporter",
		Description: "Launch-day war-room metrics from SQL collectors. Queries run in the background on each collector's interval; a scrape never waits on the database.",
		Version:     o.Version,
		Links: []toolkit.LandingLinks{
			{Address: "/metrics", Text: "Metrics"},
			{Address: "/-/healthy", Text: "Health"},
			{Address: "/-/ready", Text: "Readiness", Description: "200 once every collector has run once"},
		},
		Profiling: "false",
	})
	if err != nil {
		return nil, fmt.Errorf("landing page: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", landing)
	mux.Handle("GET /metrics", o.Metrics)
	mux.HandleFunc("GET /-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "Healthy")
	})
	mux.HandleFunc("GET /-/ready", func(w http.ResponseWriter, _ *http.Request) {
		if !o.Ready() {
			http.Error(w, "Not ready: some collectors have not run yet", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "Ready")
	})
	mux.HandleFunc("POST /-/reload", func(w http.ResponseWriter, r *http.Request) {
		if err := o.Reload(r.Context()); err != nil {
			http.Error(w, "Reload failed, previous config kept:\n"+err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "Reloaded")
	})
	return mux, nil
}
