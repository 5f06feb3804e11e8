// Package query asks Prometheus for the hourly figures behind the results
// table: the *:increase1h recording rules of rules/recording.yaml and the
// war-room board's queries (board.go), evaluated at exactly each local
// hh:00, and whether the collectors feeding them were exposed all hour.
package query

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/kos-ops/kos_exporter/report/table"
)

// The recording rules the table reads (rules/recording.yaml).
const (
	RuleActivations = "model_kind:kos_activations:increase1h"
	RuleInsured     = "model:kos_insurance_signups:increase1h"
	RulePorts       = "direction:kos_mnp_ports:increase1h"
)

// resolution is the step of the coverage check: a minute without an exposed
// sample is a gap. Scrape intervals must be shorter (the shipped 15 s are).
const resolution = time.Minute

// Client reads the table's figures from one Prometheus.
type Client struct {
	api   v1.API
	url   string
	watch []watched
}

// watched is a collector whose gaps make a group's figures partial.
type watched struct {
	collector string
	group     table.Group
}

// New returns a client of the Prometheus at url that checks the given
// collectors' kos_exporter_collector_exposed for gaps in the results table,
// and the board's collectors (BoardCollectors) for the board's. httpConfigFile, when
// not empty, is a prometheus/common HTTP client config (basic auth, bearer
// token, TLS…) for every request.
func New(url string, collectors []string, httpConfigFile string) (*Client, error) {
	if len(collectors) == 0 {
		return nil, fmt.Errorf("no collectors to check")
	}
	for _, c := range collectors {
		if !model.LabelValue(c).IsValid() || strings.ContainsAny(c, `"\`) {
			return nil, fmt.Errorf("invalid collector name %q", c)
		}
	}
	rt := api.DefaultRoundTripper
	if httpConfigFile != "" {
		cfg, _, err := config.LoadHTTPConfigFile(httpConfigFile)
		if err != nil {
			return nil, fmt.Errorf("HTTP client config %s: %w", httpConfigFile, err)
		}
		if rt, err = config.NewRoundTripperFromConfig(*cfg, "kos_report"); err != nil {
			return nil, fmt.Errorf("HTTP client config %s: %w", httpConfigFile, err)
		}
	}
	c, err := api.NewClient(api.Config{Address: url, RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("prometheus client for %q: %w", url, err)
	}
	var watch []watched
	for _, col := range collectors {
		watch = append(watch, watched{col, table.Results})
	}
	for _, g := range table.BoardGroups() {
		for _, col := range BoardCollectors(g) {
			watch = append(watch, watched{col, g})
		}
	}
	return &Client{api: v1.NewAPI(authErrors{c}), url: url, watch: watch}, nil
}

// authErrors names a refused login: client_golang reports a 401 or 403
// without a JSON body as a bare "client error: 401".
type authErrors struct{ api.Client }

func (c authErrors) Do(ctx context.Context, req *http.Request) (*http.Response, []byte, error) {
	resp, body, err := c.Client.Do(ctx, req)
	if err == nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
		// resp stays, so the API's GET fallback after a 403 still works.
		err = fmt.Errorf("answered %s: credentials missing or refused (HTTP client config)", resp.Status)
	}
	return resp, body, err
}

// Day returns the figures of n consecutive hours from start (a local
// midnight). Each hour's figures are the recording rules' expressions and
// the board's queries evaluated at the hour's end: a rule's own samples lag
// its evaluation by up to an interval, its expression at hh:00 is the exact
// hour.
func (c *Client) Day(ctx context.Context, start time.Time, n int) (table.Day, error) {
	exprs, err := c.ruleExprs(ctx, RuleActivations, RuleInsured, RulePorts)
	if err != nil {
		return table.Day{}, err
	}
	day := table.Day{Start: start, Hours: make([]table.Hour, n)}
	for i := range day.Hours {
		day.Hours[i] = table.Hour{
			Start:       start.Add(time.Duration(i) * time.Hour),
			Activations: map[table.Key]float64{},
			Insured:     map[string]float64{},
			Ports:       map[string]float64{},
			Board:       map[table.Figure]map[string]float64{},
		}
	}
	hourly := v1.Range{Start: start.Add(time.Hour), End: start.Add(time.Duration(n) * time.Hour), Step: time.Hour}
	err = c.each(ctx, exprs[RuleActivations], hourly, func(i int, m model.Metric, v float64) {
		day.Hours[i].Activations[table.Key{Model: string(m["model"]), Kind: string(m["kind"])}] = v
	})
	if err != nil {
		return table.Day{}, err
	}
	err = c.each(ctx, exprs[RuleInsured], hourly, func(i int, m model.Metric, v float64) {
		day.Hours[i].Insured[string(m["model"])] = v
	})
	if err != nil {
		return table.Day{}, err
	}
	err = c.each(ctx, exprs[RulePorts], hourly, func(i int, m model.Metric, v float64) {
		day.Hours[i].Ports[string(m["direction"])] = v
	})
	if err != nil {
		return table.Day{}, err
	}
	for _, q := range boardQueries() {
		err = c.each(ctx, q.expr, hourly, func(i int, m model.Metric, v float64) {
			q.add(board(day.Hours[i].Board), m, v)
		})
		if err != nil {
			return table.Day{}, err
		}
	}
	if err := c.gaps(ctx, &day); err != nil {
		return table.Day{}, err
	}
	return day, nil
}

// CoverageQuery is the PromQL of the gap check: per collector and minute,
// 1 when some exporter exposed its results all minute. exposed implies up
// and fresh, so it is the one self-metric to watch.
func CoverageQuery(collectors []string) string {
	quoted := make([]string, len(collectors))
	for i, c := range collectors {
		quoted[i] = regexp.QuoteMeta(c)
	}
	return fmt.Sprintf(`max by (collector) (min_over_time(kos_exporter_collector_exposed{collector=~"%s"}[%s]))`,
		strings.Join(quoted, "|"), model.Duration(resolution))
}

func (c *Client) gaps(ctx context.Context, day *table.Day) error {
	n := len(day.Hours)
	minutes := n * int(time.Hour/resolution)
	r := v1.Range{Start: day.Start.Add(resolution), End: day.Start.Add(time.Duration(n) * time.Hour), Step: resolution}
	// seen[collector][minute]: 1 exposed, 0 not exposed; absent: no data.
	seen := map[string]map[int]float64{}
	var names []string
	for _, w := range c.watch {
		if _, ok := seen[w.collector]; !ok {
			seen[w.collector] = map[int]float64{}
			names = append(names, w.collector)
		}
	}
	err := c.each(ctx, CoverageQuery(names), r, func(i int, m model.Metric, v float64) {
		if s, ok := seen[string(m["collector"])]; ok {
			s[i] = v
		}
	})
	if err != nil {
		return err
	}
	for _, w := range c.watch {
		col := w.collector
		var open *table.Gap
		flush := func() {
			if open != nil {
				h := int(open.From.Sub(day.Start) / time.Hour)
				day.Hours[h].Gaps = append(day.Hours[h].Gaps, *open)
				open = nil
			}
		}
		for i := range minutes {
			var reason table.GapReason // zero: exposed all minute
			switch v, ok := seen[col][i]; {
			case !ok:
				reason = table.NoData
			case v < 1:
				reason = table.NotExposed
			}
			from := day.Start.Add(time.Duration(i) * resolution)
			if open != nil && (reason != open.Reason || from.Sub(day.Start)%time.Hour == 0) {
				flush() // gaps never straddle an hour, so each hour knows its own
			}
			switch {
			case reason == 0:
			case open == nil:
				open = &table.Gap{Collector: col, Group: w.group, From: from, To: from.Add(resolution), Reason: reason}
			default:
				open.To = from.Add(resolution)
			}
		}
		flush()
	}
	return nil
}

// each runs a range query and calls fn with the step index of every sample.
func (c *Client) each(ctx context.Context, q string, r v1.Range, fn func(i int, m model.Metric, v float64)) error {
	val, _, _, err := c.api.QueryRange(ctx, q, r)
	if err != nil {
		return fmt.Errorf("querying Prometheus at %s: %w", c.url, err)
	}
	mat, ok := val.(model.Matrix)
	if !ok {
		return fmt.Errorf("querying Prometheus at %s: want a matrix, got %s", c.url, val.Type())
	}
	steps := int(r.End.Sub(r.Start)/r.Step) + 1
	for _, s := range mat {
		for _, p := range s.Values {
			i := int(p.Timestamp.Time().Sub(r.Start) / r.Step)
			if i < 0 || i >= steps {
				return fmt.Errorf("querying Prometheus at %s: sample at %s outside %s–%s", c.url, p.Timestamp.Time(), r.Start, r.End)
			}
			fn(i, s.Metric, float64(p.Value))
		}
	}
	return nil
}

func (c *Client) ruleExprs(ctx context.Context, names ...string) (map[string]string, error) {
	res, err := c.api.Rules(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("reading recording rules from Prometheus at %s: %w", c.url, err)
	}
	exprs := map[string]string{}
	for _, g := range res.Groups {
		for _, r := range g.Rules {
			if rr, ok := r.(v1.RecordingRule); ok {
				exprs[rr.Name] = rr.Query
			}
		}
	}
	for _, name := range names {
		if exprs[name] == "" {
			return nil, fmt.Errorf("recording rule %s is not loaded in Prometheus at %s (load rules/recording.yaml)", name, c.url)
		}
	}
	return exprs, nil
}
