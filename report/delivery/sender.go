// Package delivery sends the report of each local hour once to a webhook,
// at a fixed minute past the next hour: it gives Prometheus a few minutes to
// answer, sends the hour marked missing when it does not, retries the
// webhook with backoff, and remembers across restarts what was sent.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kos-ops/kos_exporter/report"
	"github.com/kos-ops/kos_exporter/report/render"
	"github.com/kos-ops/kos_exporter/report/table"
)

// Clock is the time source; tests drive a fake one.
type Clock interface {
	Now() time.Time
	// Sleep waits d or returns ctx's error when it ends first.
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock is the real time.
type SystemClock struct{}

func (SystemClock) Now() time.Time                                   { return time.Now() }
func (SystemClock) Sleep(ctx context.Context, d time.Duration) error { return sleep(ctx, d) }

// Config is the sender's settings, as the flags give them.
type Config struct {
	Zone            *time.Location // of the hours
	AtMinute        int            // minutes past hh:00 at which the hour before is sent, 0..59
	Lang            string         // headings of the Markdown text
	WebhookURL      string
	WebhookTimeout  time.Duration // of one request
	WebhookAttempts int           // per hour, at least 1
	StateFile       string        // remembers the last hour sent
}

// Sender sends one hour's report per hour.
type Sender struct {
	cfg      Config
	reporter report.Reporter
	hook     webhook
	queries  policy
	state    stateFile
	clock    Clock
	logger   *slog.Logger
}

// New returns the sender of r's reports.
func New(cfg Config, r report.Reporter, clock Clock, logger *slog.Logger) *Sender {
	return &Sender{
		cfg:      cfg,
		reporter: r,
		hook: webhook{
			url:    cfg.WebhookURL,
			client: &http.Client{Timeout: cfg.WebhookTimeout},
			retry:  policy{attempts: cfg.WebhookAttempts, initial: time.Second, max: time.Minute, sleep: clock.Sleep},
		},
		// Prometheus gets a few minutes to come back before the hour goes
		// out marked missing.
		queries: policy{attempts: 4, initial: 15 * time.Second, max: time.Minute, sleep: clock.Sleep},
		state:   stateFile{path: cfg.StateFile},
		clock:   clock,
		logger:  logger,
	}
}

// Run sends until ctx ends. On start it sends the latest finished hour if
// that has not been sent yet; older unsent hours are skipped (a late burst
// of stale tables helps nobody) and logged. An hour whose report did not get
// through is logged and not sent again.
func (s *Sender) Run(ctx context.Context) error {
	if s.cfg.AtMinute < 0 || s.cfg.AtMinute > 59 {
		return fmt.Errorf("minute past the hour %d not in 0..59", s.cfg.AtMinute)
	}
	last, err := s.state.lastSent()
	if err != nil {
		return err
	}
	offset := time.Duration(s.cfg.AtMinute) * time.Minute
	for {
		now := s.clock.Now().In(s.cfg.Zone)
		due := hourStart(now.Add(-offset)).Add(-time.Hour) // latest hour whose send time has come
		switch {
		case !last.IsZero() && !due.After(last):
			s.logger.Debug("Hour already sent", "hour", due)
		default:
			if !last.IsZero() && due.Sub(last) > time.Hour {
				s.logger.Warn("Skipping unsent hours", "after", last, "before", due)
			}
			if err := s.send(ctx, due); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				s.logger.Error("Report not delivered", "hour", due, "err", err)
				break
			}
			if err := s.state.setLastSent(due); err != nil {
				return fmt.Errorf("hour %s sent but not recorded: %w", due, err)
			}
			last = due
			s.logger.Info("Report sent", "hour", due)
		}
		next := due.Add(2 * time.Hour).Add(offset) // send time of the hour after due
		if err := s.clock.Sleep(ctx, next.Sub(s.clock.Now())); err != nil {
			return err
		}
	}
}

// send builds and posts the report of the hour starting at hour. A missing
// or partial hour is still sent (marked); an error means the message did
// not get through.
func (s *Sender) send(ctx context.Context, hour time.Time) error {
	var rep table.Report
	err := s.queries.do(ctx, func(ctx context.Context) error {
		var err error
		rep, err = s.reporter.Build(ctx, hour)
		if errors.As(err, new(*report.BaselineError)) {
			return permanent{err}
		}
		return err
	})
	switch {
	case err == nil:
	case errors.As(err, new(*report.BaselineError)):
		return err
	case ctx.Err() != nil:
		return ctx.Err()
	default:
		s.logger.Error("Prometheus did not answer; sending the hour marked missing", "hour", hour, "err", err)
		rep = table.Unavailable(hour, err)
	}
	var text strings.Builder
	if err := render.Render(&text, "markdown", s.cfg.Lang, rep); err != nil {
		return err
	}
	return s.hook.post(ctx, message{Text: text.String(), Hour: hour.Format(time.RFC3339), Status: rep.Hour.Status.String()})
}

// hourStart truncates t to its local hour (time.Truncate works in UTC and
// would be wrong in zones with a non-whole-hour offset).
func hourStart(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, t.Hour(), 0, 0, 0, t.Location())
}
