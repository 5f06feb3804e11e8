// Command kos_report renders the hourly results table (실적표) and the
// war-room board (agency calls and error rates, USIM OTA, error-queue
// reprocessing) from Prometheus, once or every hour to a webhook. It only wires flags and
// logging to packages report, render and delivery.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	_ "time/tzdata" // --tz works on hosts without a zoneinfo database

	"github.com/prometheus/common/version"

	"github.com/kos-ops/kos_exporter/internal/cli"
	"github.com/kos-ops/kos_exporter/report"
	"github.com/kos-ops/kos_exporter/report/delivery"
	"github.com/kos-ops/kos_exporter/report/query"
	"github.com/kos-ops/kos_exporter/report/render"
)

// Exit codes.
const (
	exitOK         = 0
	exitFailed     = 1             // webhook or state file failed
	exitUsage      = cli.ExitUsage // bad flags
	exitPrometheus = 3             // Prometheus unreachable or its answer unusable
)

func main() {
	cli.Main(func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		return run(ctx, args, stdout, stderr, delivery.SystemClock{})
	})
}

type options struct {
	promURL, promHTTPConfig, hour, baseline, format, lang, tz string
	webhookURL, webhookURLFile, stateFile                     string
	collectors                                                []string
	top, atMinute, webhookAttempts                            int
	every, queryTimeout, webhookTimeout                       time.Duration
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, clock delivery.Clock) int {
	app := cli.New("kos_report", "Hourly results table (실적표) of kos_exporter's metrics, read from Prometheus.", stdout, stderr)
	var o options
	app.Flag("prometheus.url", "Prometheus base URL (it must load rules/recording.yaml).").Default("http://localhost:9090").StringVar(&o.promURL)
	app.Flag("prometheus.http-config-file", "Prometheus HTTP client config (basic auth, bearer token, TLS), in the prometheus/common format.").PlaceHolder("FILE").StringVar(&o.promHTTPConfig)
	app.Flag("hour", `Local hour to report: "last" (the last finished hour), "HH" (today), or "YYYY-MM-DDTHH".`).Default("last").StringVar(&o.hour)
	app.Flag("baseline", `Day to compare with: "yesterday", "none" or "YYYY-MM-DD".`).Default("yesterday").StringVar(&o.baseline)
	app.Flag("format", "Output format: "+strings.Join(render.Formats(), ", ")+".").Default("text").EnumVar(&o.format, render.Formats()...)
	app.Flag("lang", "Heading language: ko (the war-room's) or en; CSV and JSON keys stay English.").Default("ko").EnumVar(&o.lang, render.Langs()...)
	app.Flag("tz", `Time zone of the war-room's hours, e.g. Asia/Seoul ("Local": the host's).`).Default("Local").StringVar(&o.tz)
	app.Flag("top", "Number of top models to highlight.").Default("3").IntVar(&o.top)
	app.Flag("collector", "Collector whose kos_exporter_collector_exposed must be 1 all hour for a complete results table (repeatable); the board's tables watch their own collectors.").Default("activations", "mnp").StringsVar(&o.collectors)
	app.Flag("query.timeout", "Timeout of each Prometheus query.").Default("30s").DurationVar(&o.queryTimeout)
	app.Flag("every", "Send the report of each hour to --webhook.url; only 1h is supported. 0: print one report and exit.").Default("0").DurationVar(&o.every)
	app.Flag("at-minute", "With --every: minutes past the hour at which the hour before is sent.").Default("2").IntVar(&o.atMinute)
	app.Flag("webhook.url", "With --every: webhook receiving {\"text\": markdown, \"hour\", \"status\"} as JSON.").StringVar(&o.webhookURL)
	app.Flag("webhook.url-file", "File holding --webhook.url, so its secret stays off the command line.").PlaceHolder("FILE").StringVar(&o.webhookURLFile)
	app.Flag("webhook.timeout", "Timeout of each webhook request.").Default("10s").DurationVar(&o.webhookTimeout)
	app.Flag("webhook.attempts", "Webhook attempts per hour (backoff 1s doubling, at most 1m).").Default("6").IntVar(&o.webhookAttempts)
	app.Flag("state.file", "With --every: file remembering the last hour sent.").Default("kos_report.state.json").StringVar(&o.stateFile)
	if code, done := app.Parse(args); done {
		return code
	}
	loc, err := o.check()
	if err != nil {
		fmt.Fprintf(stderr, "kos_report: %v\n", err)
		return exitUsage
	}
	if o.webhookURLFile != "" {
		if o.webhookURL, err = delivery.ReadURLFile(o.webhookURLFile); err != nil {
			fmt.Fprintf(stderr, "kos_report: --webhook.url-file: %v\n", err)
			return exitUsage
		}
	}
	client, err := query.New(o.promURL, o.collectors, o.promHTTPConfig)
	if err != nil {
		fmt.Fprintf(stderr, "kos_report: %v\n", err)
		return exitUsage
	}
	reporter := report.Reporter{Source: client, Baseline: o.baseline, Top: o.top, QueryTimeout: o.queryTimeout}
	if o.every > 0 {
		return every(ctx, o, loc, reporter, clock, app.Logger())
	}

	hour, err := report.ParseHour(o.hour, clock.Now().In(loc))
	if err != nil {
		fmt.Fprintf(stderr, "kos_report: --hour: %v\n", err)
		return exitUsage
	}
	rep, err := reporter.Build(ctx, hour)
	if errors.As(err, new(*report.BaselineError)) {
		fmt.Fprintf(stderr, "kos_report: --baseline: %v\n", err)
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "kos_report: %v\n", err)
		return exitPrometheus
	}
	if err := render.Render(stdout, o.format, o.lang, rep); err != nil {
		fmt.Fprintf(stderr, "kos_report: %v\n", err)
		return exitFailed
	}
	return exitOK
}

func (o options) check() (*time.Location, error) {
	loc, err := time.LoadLocation(o.tz)
	if err != nil {
		return nil, fmt.Errorf("--tz: %w", err)
	}
	switch {
	case o.top < 0:
		return nil, fmt.Errorf("--top must not be negative")
	case o.queryTimeout <= 0:
		return nil, fmt.Errorf("--query.timeout must be positive")
	case o.every != 0 && o.every != time.Hour:
		return nil, fmt.Errorf("--every %s: only 1h is supported", o.every)
	case o.webhookURL != "" && o.webhookURLFile != "":
		return nil, fmt.Errorf("--webhook.url and --webhook.url-file are mutually exclusive")
	case o.every != 0 && o.webhookURL == "" && o.webhookURLFile == "":
		return nil, fmt.Errorf("--every needs --webhook.url or --webhook.url-file")
	case o.every != 0 && o.stateFile == "":
		return nil, fmt.Errorf("--every needs --state.file")
	case o.atMinute < 0 || o.atMinute > 59:
		return nil, fmt.Errorf("--at-minute %d not in 0..59", o.atMinute)
	case o.webhookAttempts < 1:
		return nil, fmt.Errorf("--webhook.attempts must be at least 1")
	}
	if err := report.CheckBaseline(o.baseline); err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	return loc, nil
}

func every(ctx context.Context, o options, loc *time.Location, r report.Reporter, clock delivery.Clock, logger *slog.Logger) int {
	sender := delivery.New(delivery.Config{
		Zone: loc, AtMinute: o.atMinute, Lang: o.lang,
		WebhookURL: o.webhookURL, WebhookTimeout: o.webhookTimeout, WebhookAttempts: o.webhookAttempts,
		StateFile: o.stateFile,
	}, r, clock, logger)
	logger.Info("Starting kos_report", "version", version.Info(), "every", o.every, "at_minute", o.atMinute, "tz", loc.String(), "state", o.stateFile)
	if err := sender.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("Sender stopped", "err", err)
		return exitFailed
	}
	return exitOK
}
