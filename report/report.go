// Package report is the hourly results table (실적표) as a use case: which
// hour to report, which day to compare it with, and the table built from
// what the source (Prometheus) holds for both. Commands only parse flags
// into it; rendering is package render, sending package delivery.
package report

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kos-ops/kos_exporter/report/table"
)

// Source gives the figures of n consecutive hours from a local midnight;
// *query.Client asks Prometheus.
type Source interface {
	Day(ctx context.Context, start time.Time, n int) (table.Day, error)
}

// Reporter builds the report of an hour from Source.
type Reporter struct {
	Source       Source
	Baseline     string        // day to compare with: "yesterday", "none" or "YYYY-MM-DD"
	Top          int           // number of top models to highlight
	QueryTimeout time.Duration // of one query; a report gets four
}

// BaselineError says that Baseline names no usable day for the hour: the
// setting is wrong, asking the source again cannot help.
type BaselineError struct{ msg string }

func (e *BaselineError) Error() string { return e.msg }

// Build returns the report of the local hour starting at hour: the report
// day's hours up to it, and the same hours of the baseline day. Errors are
// a *BaselineError or the source's.
func (r Reporter) Build(ctx context.Context, hour time.Time) (table.Report, error) {
	base, err := baselineDay(r.Baseline, hour)
	if err != nil {
		return table.Report{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 4*r.QueryTimeout)
	defer cancel()
	day := table.Midnight(hour)
	n := int(hour.Sub(day)/time.Hour) + 1
	today, err := r.Source.Day(ctx, day, n)
	if err != nil {
		return table.Report{}, err
	}
	var baseline *table.Day
	if !base.IsZero() {
		b, err := r.Source.Day(ctx, base, n)
		if err != nil {
			return table.Report{}, err
		}
		baseline = &b
	}
	return table.Build(today, baseline, r.Top)
}

// ParseHour returns the start of the local hour named by s ("last": the
// last finished hour, "HH": today's, or "YYYY-MM-DDTHH"), in now's location;
// the hour must have ended by now.
func ParseHour(s string, now time.Time) (time.Time, error) {
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

// baselineDay returns the midnight of the day to compare hour with, or
// zero for none.
func baselineDay(s string, hour time.Time) (time.Time, error) {
	day := table.Midnight(hour)
	switch s {
	case "none":
		return time.Time{}, nil
	case "yesterday":
		return table.Midnight(day.AddDate(0, 0, -1)), nil
	}
	t, err := parseBaselineDate(s, hour.Location())
	if err != nil {
		return time.Time{}, err
	}
	if !t.Before(day) {
		return time.Time{}, &BaselineError{fmt.Sprintf("%s is not before the reported day %s", s, day.Format("2006-01-02"))}
	}
	return t, nil
}

// CheckBaseline checks the form of a baseline ("yesterday", "none" or
// YYYY-MM-DD) before any hour is known, so an hourly sender refuses a typo
// at start instead of failing every hour.
func CheckBaseline(s string) error {
	if s == "none" || s == "yesterday" {
		return nil
	}
	_, err := parseBaselineDate(s, time.UTC)
	return err
}

func parseBaselineDate(s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil {
		return time.Time{}, &BaselineError{fmt.Sprintf(`%q: want "yesterday", "none" or YYYY-MM-DD`, s)}
	}
	return t, nil
}
