// Command kos_report renders the hourly results table (실적표) from
// Prometheus, once or every hour to a webhook. It only wires flags, logging
// and the report packages together.
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
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // --tz works on hosts without a zoneinfo database

	"github.com/prometheus/common/version"

	"github.com/kos-ops/kos_exporter/internal/cli"
	"github.com/kos-ops/kos_exporter/report/query"
	"github.com/kos-ops/kos_exporter/report/render"
	"github.com/kos-ops/kos_exporter/report/retry"
	"github.com/kos-ops/kos_exporter/report/schedule"
	"github.com/kos-ops/kos_exporter/report/send"
	"github.com/kos-ops/kos_exporter/report/state"
	"github.com/kos-ops/kos_exporter/report/table"
)

// Exit codes.
const (
	exitOK         = 0
	exitFailed     = 1             // webhook or state file failed
	exitUsage      = cli.ExitUsage // bad flags
	exitPrometheus = 3             // Prometheus unreachable or its answer unusable
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, realClock{}))
}

type options struct {
	promURL, hour, baseline, format, lang, tz, webhookURL, stateFile string
	collectors                                                       []string
	top, atMinute, webhookAttempts                                   int
	every, queryTimeout, webhookTimeout                              time.Duration
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, clock schedule.Clock) int {
	app := cli.New("kos_report", "Hourly results table (실적표) of kos_exporter's metrics, read from Prometheus.", stdout, stderr)
	var o options
	app.Flag("prometheus.url", "Prometheus base URL (it must load rules/recording.yaml).").Default("http://localhost:9090").StringVar(&o.promURL)
	app.Flag("hour", `Local hour to report: "last" (the last finished hour), "HH" (today), or "YYYY-MM-DDTHH".`).Default("last").StringVar(&o.hour)
	app.Flag("baseline", `Day to compare with: "yesterday", "none" or "YYYY-MM-DD".`).Default("yesterday").StringVar(&o.baseline)
	app.Flag("format", "Output format: "+strings.Join(render.Formats(), ", ")+".").Default("text").EnumVar(&o.format, render.Formats()...)
	app.Flag("lang", "Heading language: en or ko.").Default("en").EnumVar(&o.lang, render.Langs()...)
	app.Flag("tz", `Time zone of the war-room's hours, e.g. Asia/Seoul ("Local": the host's).`).Default("Local").StringVar(&o.tz)
	app.Flag("top", "Number of top models to highlight.").Default("3").IntVar(&o.top)
	app.Flag("collector", "Collector whose kos_exporter_collector_exposed must be 1 all hour for a complete table (repeatable).").Default("activations", "mnp").StringsVar(&o.collectors)
	app.Flag("query.timeout", "Timeout of each Prometheus query.").Default("30s").DurationVar(&o.queryTimeout)
	app.Flag("every", "Send the report of each hour to --webhook.url; only 1h is supported. 0: print one report and exit.").Default("0").DurationVar(&o.every)
	app.Flag("at-minute", "With --every: minutes past the hour at which the hour before is sent.").Default("2").IntVar(&o.atMinute)
	app.Flag("webhook.url", "With --every: webhook receiving {\"text\": markdown, \"hour\", \"status\"} as JSON.").StringVar(&o.webhookURL)
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
	client, err := query.New(o.promURL, o.collectors)
	if err != nil {
		fmt.Fprintf(stderr, "kos_report: %v\n", err)
		return exitUsage
	}
	logger := app.Logger()
	if o.every > 0 {
		return every(ctx, o, loc, client, clock, logger)
	}

	hour, err := parseHour(o.hour, clock.Now().In(loc))
	if err != nil {
		fmt.Fprintf(stderr, "kos_report: --hour: %v\n", err)
		return exitUsage
	}
	base, err := baselineDay(o.baseline, hour)
	if err != nil {
		fmt.Fprintf(stderr, "kos_report: --baseline: %v\n", err)
		return exitUsage
	}
	rep, err := build(ctx, client, o, hour, base)
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
	case o.every != 0 && o.webhookURL == "":
		return nil, fmt.Errorf("--every needs --webhook.url")
	case o.every != 0 && o.stateFile == "":
		return nil, fmt.Errorf("--every needs --state.file")
	case o.atMinute < 0 || o.atMinute > 59:
		return nil, fmt.Errorf("--at-minute %d not in 0..59", o.atMinute)
	case o.webhookAttempts < 1:
		return nil, fmt.Errorf("--webhook.attempts must be at least 1")
	}
	return loc, nil
}

// parseHour returns the start of the local hour named by s; the hour must
// have ended.
func parseHour(s string, now time.Time) (time.Time, error) {
	loc := now.Location()
	var h time.Time
	switch {
	case s == "last":
		y, m, d := now.Date()
		return time.Date(y, m, d, now.Hour()-1, 0, 0, 0, loc), nil
	case len(s) <= 2 || (len(s) == 5 && strings.HasSuffix(s, ":00")):
		t, err := time.ParseInLocation("15", strings.TrimSuffix(s, ":00"), loc)
		if err != nil {
			return time.Time{}, fmt.Errorf(`%q: want "last", "HH" or "YYYY-MM-DDTHH"`, s)
		}
		y, m, d := now.Date()
		h = time.Date(y, m, d, t.Hour(), 0, 0, 0, loc)
	default:
		t, err := time.ParseInLocation("2006-01-02T15", strings.TrimSuffix(s, ":00"), loc)
		if err != nil {
			return time.Time{}, fmt.Errorf(`%q: want "last", "HH" or "YYYY-MM-DDTHH"`, s)
		}
		h = t
	}
	if h.Add(time.Hour).After(now) {
		return time.Time{}, fmt.Errorf("%s–%s has not ended yet (now %s)", h.Format("2006-01-02 15:04"), h.Add(time.Hour).Format("15:04"), now.Format("15:04 MST"))
	}
	return h, nil
}

// baselineDay returns the midnight of the day to compare with, or zero.
func baselineDay(s string, hour time.Time) (time.Time, error) {
	day := table.Midnight(hour)
	switch s {
	case "none":
		return time.Time{}, nil
	case "yesterday":
		return table.Midnight(day.AddDate(0, 0, -1)), nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, hour.Location())
	if err != nil {
		return time.Time{}, fmt.Errorf(`%q: want "yesterday", "none" or YYYY-MM-DD`, s)
	}
	if !t.Before(day) {
		return time.Time{}, fmt.Errorf("%s is not before the reported day %s", s, day.Format("2006-01-02"))
	}
	return t, nil
}

// build asks Prometheus for the report day's hours up to hour, and the same
// hours of the baseline day.
func build(ctx context.Context, c *query.Client, o options, hour, base time.Time) (table.Report, error) {
	ctx, cancel := context.WithTimeout(ctx, 4*o.queryTimeout)
	defer cancel()
	day := table.Midnight(hour)
	n := int(hour.Sub(day)/time.Hour) + 1
	today, err := c.Day(ctx, day, n)
	if err != nil {
		return table.Report{}, err
	}
	var baseline *table.Day
	if !base.IsZero() {
		b, err := c.Day(ctx, base, n)
		if err != nil {
			return table.Report{}, err
		}
		baseline = &b
	}
	return table.Build(today, baseline, o.top)
}

func every(ctx context.Context, o options, loc *time.Location, client *query.Client, clock schedule.Clock, logger *slog.Logger) int {
	hook := send.Webhook{
		URL:    o.webhookURL,
		Client: &http.Client{Timeout: o.webhookTimeout},
		Retry:  retry.Policy{Attempts: o.webhookAttempts, Initial: time.Second, Max: time.Minute, Sleep: clock.Sleep},
	}
	// Prometheus gets a few minutes to come back before the hour goes out
	// marked missing.
	queries := retry.Policy{Attempts: 4, Initial: 15 * time.Second, Max: time.Minute, Sleep: clock.Sleep}
	job := schedule.Job{
		Zone: loc, AtMinute: o.atMinute, Clock: clock, Store: state.File{Path: o.stateFile}, Logger: logger,
		Send: func(ctx context.Context, hour time.Time) error {
			base, err := baselineDay(o.baseline, hour)
			if err != nil {
				return err
			}
			var rep table.Report
			err = queries.Do(ctx, func(ctx context.Context) error {
				rep, err = build(ctx, client, o, hour, base)
				return err
			})
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				logger.Error("Prometheus did not answer; sending the hour marked missing", "hour", hour, "err", err)
				rep = table.Unavailable(hour, err)
			}
			var text strings.Builder
			if err := render.Render(&text, "markdown", o.lang, rep); err != nil {
				return err
			}
			return hook.Post(ctx, send.Message{Text: text.String(), Hour: hour.Format(time.RFC3339), Status: rep.Hour.Status.String()})
		},
	}
	logger.Info("Starting kos_report", "version", version.Info(), "every", o.every, "at_minute", o.atMinute, "tz", loc.String(), "state", o.stateFile)
	if err := job.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("Sender stopped", "err", err)
		return exitFailed
	}
	return exitOK
}

type realClock struct{}

func (realClock) Now() time.Time                                   { return time.Now() }
func (realClock) Sleep(ctx context.Context, d time.Duration) error { return retry.Sleep(ctx, d) }
