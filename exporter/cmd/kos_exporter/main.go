// Command kos_exporter serves Prometheus metrics from declarative SQL
// collectors. It only wires flags, logging, signals and packages together.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/version"
	toolkit "github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/scheduler"
	"github.com/kos-ops/kos_exporter/exporter/snapshot"
	"github.com/kos-ops/kos_exporter/exporter/sqlrun"
	"github.com/kos-ops/kos_exporter/exporter/web"
	"github.com/kos-ops/kos_exporter/internal/cli"
)

const defaultListenAddress = ":9847"

func main() { cli.Main(run) }

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := cli.New("kos_exporter", "Prometheus exporter for launch-day war-room metrics from SQL collectors.", stdout, stderr)
	configFile := app.Flag("config.file", "Collectors configuration file.").Default("collectors.yaml").String()
	configCheck := app.Flag("config.check", "Validate the configuration file, print every problem and exit (0 when valid).").Bool()
	configConnect := app.Flag("config.check.connect", "Like --config.check, and also connect to each target once (read-only, "+pingTimeout.String()+" limit) and report those that cannot be reached.").Bool()
	webFlags := kingpinflag.AddFlags(app.Application, defaultListenAddress)
	if code, done := app.Parse(args); done {
		return code
	}
	logger := app.Logger()
	sqlrun.RouteDriverLog(logger)

	if *configCheck || *configConnect {
		return checkConfig(ctx, *configFile, *configConnect, stdout, stderr)
	}

	cfg, err := loadConfig(*configFile)
	if err != nil {
		logConfigErrors(logger, "Config file is invalid", err)
		return 1
	}

	store := snapshot.New(time.Now)
	sched := scheduler.New(store, logger)
	defer sched.Stop()
	if err := sched.Apply(cfg); err != nil {
		logger.Error("Cannot start collectors", "err", err)
		return 1
	}
	logger.Info("Starting kos_exporter", "version", version.Info(), "config", *configFile,
		"targets", len(cfg.Targets), "collectors", len(cfg.Collectors))

	reg := prometheus.NewRegistry()
	rl := newReloader(*configFile, sched, logger)
	reg.MustRegister(versioncollector.NewCollector("kos_exporter"), store.Collector(), sched.Collector(), rl)
	runtimeReg := prometheus.NewRegistry()
	runtimeReg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	self := prometheus.Gatherers{reg, snapshot.CachedGatherer(runtimeReg, time.Second, time.Now)}
	handler, err := web.NewHandler(web.Options{
		Version: version.Version,
		Metrics: store.Handler(self, logger),
		Ready:   store.Ready,
		Reload:  rl.request,
	})
	if err != nil {
		logger.Error("Cannot build HTTP handler", "err", err)
		return 1
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go rl.loop(ctx, hup)

	server := web.NewServer(handler, logger, web.Timeouts{})
	served := make(chan error, 1)
	go func() { served <- toolkit.ListenAndServe(server, webFlags, logger) }()
	select {
	case err := <-served:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("HTTP server failed", "err", err)
			return 1
		}
	case <-ctx.Done():
		logger.Info("Shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		server.Shutdown(shutdownCtx)
	}
	return 0
}

// loadConfig is config.Load with every DSN parsed as the driver will, so
// startup, reload and --config.check refuse the same files, in one list.
func loadConfig(path string) (*config.Config, error) {
	return config.LoadWith(path, config.Options{CheckDSN: sqlrun.CheckDSN})
}

// pingTimeout bounds each connection of --config.check.connect.
const pingTimeout = 5 * time.Second

func checkConfig(ctx context.Context, path string, connect bool, stdout, stderr io.Writer) int {
	cfg, err := loadConfig(path)
	if err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			for _, e := range errs {
				fmt.Fprintln(stderr, e)
			}
			fmt.Fprintf(stderr, "%s: %d problem(s)\n", path, errs.Total())
		} else {
			fmt.Fprintln(stderr, err)
		}
		return 1
	}
	if connect {
		failed := 0
		for i, err := range pingTargets(ctx, cfg.Targets) {
			if err != nil {
				fmt.Fprintf(stderr, "%s: %v\n", cfg.Targets[i].Pos, err)
				failed++
			}
		}
		if failed > 0 {
			fmt.Fprintf(stderr, "%s: %d of %d targets cannot be reached\n", path, failed, len(cfg.Targets))
			return 1
		}
	}
	fmt.Fprintf(stdout, "%s: OK (%d targets, %d collectors)\n", path, len(cfg.Targets), len(cfg.Collectors))
	return 0
}

// pingTargets connects to every target at once, so the check takes one
// timeout at most, and returns their errors in order.
func pingTargets(ctx context.Context, targets []*config.Target) []error {
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, pingTimeout)
			defer cancel()
			errs[i] = sqlrun.Ping(ctx, t)
		})
	}
	wg.Wait()
	return errs
}

func logConfigErrors(logger *slog.Logger, msg string, err error) {
	var errs config.Errors
	if !errors.As(err, &errs) {
		logger.Error(msg, "err", err)
		return
	}
	for _, e := range errs {
		logger.Error(msg, "err", e)
	}
}
