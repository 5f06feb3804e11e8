package main

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kos-ops/kos_exporter/exporter/scheduler"
)

var (
	reloadSuccessDesc = prometheus.NewDesc("kos_exporter_config_last_reload_successful",
		"Whether the last configuration reload succeeded (1) or was rejected, keeping the previous config (0).", nil, nil)
	reloadTimeDesc = prometheus.NewDesc("kos_exporter_config_last_reload_success_timestamp_seconds",
		"Unix time of the last successful configuration load.", nil, nil)
)

// reloader is the one goroutine that reloads: SIGHUP and POST /-/reload
// meet in its select, so two reloads never race.
type reloader struct {
	path     string
	sched    *scheduler.Scheduler
	logger   *slog.Logger
	requests chan chan error

	mu     sync.Mutex
	ok     bool      // last reload succeeded
	loaded time.Time // last successful load
}

func newReloader(path string, sched *scheduler.Scheduler, logger *slog.Logger) *reloader {
	return &reloader{path: path, sched: sched, logger: logger, requests: make(chan chan error), ok: true, loaded: time.Now()}
}

// request asks the loop to reload and waits for the outcome.
func (r *reloader) request(ctx context.Context) error {
	reply := make(chan error, 1)
	select {
	case r.requests <- reply:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *reloader) loop(ctx context.Context, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			r.reload()
		case reply := <-r.requests:
			reply <- r.reload()
		}
	}
}

func (r *reloader) reload() error {
	cfg, err := loadConfig(r.path)
	if err == nil {
		err = r.sched.Apply(cfg)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ok = err == nil
	if err != nil {
		logConfigErrors(r.logger, "Reload rejected, previous config kept", err)
		return err
	}
	r.loaded = time.Now()
	r.logger.Info("Config reloaded", "targets", len(cfg.Targets), "collectors", len(cfg.Collectors))
	return nil
}

func (r *reloader) Describe(ch chan<- *prometheus.Desc) {
	ch <- reloadSuccessDesc
	ch <- reloadTimeDesc
}

func (r *reloader) Collect(ch chan<- prometheus.Metric) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(reloadSuccessDesc, prometheus.GaugeValue, boolValue(r.ok))
	ch <- prometheus.MustNewConstMetric(reloadTimeDesc, prometheus.GaugeValue, float64(r.loaded.Unix()))
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
