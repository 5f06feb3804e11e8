// Package fakeprom serves the parts of Prometheus' HTTP API that kos_report
// uses (/api/v1/rules and /api/v1/query_range), answering from a list of
// simulated activations as a Prometheus scraping kos_exporter would, so tests
// can compute the expected table from the same list independently.
package fakeprom

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Activation is one completed activation.
type Activation struct {
	At          time.Time
	Model, Kind string
	Insured     bool
}

// Port is one number-portability request; Direction is "in" or "out".
type Port struct {
	At        time.Time
	Direction string
}

// Outage is a stretch in which a collector's results were not in Prometheus.
type Outage struct {
	Collector string
	From, To  time.Time
	Scraped   bool // true: exposed = 0 was scraped; false: no samples at all
}

// Data is what the fake Prometheus knows.
type Data struct {
	Activations []Activation
	Ports       []Port
	Outages     []Outage
	Collectors  []string // collectors the exporter runs (activations, mnp)
}

// Handler answers the API from d, with the recording rules of rulesFile
// (rules/recording.yaml).
func Handler(d Data, rulesFile string) (http.Handler, error) {
	rules, err := loadRules(rulesFile)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/rules", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, map[string]any{"groups": []any{map[string]any{
			"name": "kos", "file": rulesFile, "interval": 60, "rules": rules.list,
		}}})
	})
	mux.HandleFunc("/api/v1/query_range", func(w http.ResponseWriter, r *http.Request) {
		start, err1 := parseTime(r.FormValue("start"))
		end, err2 := parseTime(r.FormValue("end"))
		step, err3 := strconv.ParseFloat(r.FormValue("step"), 64)
		if err1 != nil || err2 != nil || err3 != nil || step <= 0 {
			http.Error(w, `{"status":"error","errorType":"bad_data","error":"bad range"}`, http.StatusBadRequest)
			return
		}
		var steps []time.Time
		for t := start; !t.After(end); t = t.Add(time.Duration(step * float64(time.Second))) {
			steps = append(steps, t)
		}
		q := r.FormValue("query")
		var series []stream
		switch {
		case q == rules.exprs["model_kind:kos_activations:increase1h"]:
			series = d.hourly(steps, "activations", func(a Activation) (map[string]string, bool) {
				return map[string]string{"model": a.Model, "kind": a.Kind}, true
			})
		case q == rules.exprs["model:kos_insurance_signups:increase1h"]:
			series = d.hourly(steps, "activations", func(a Activation) (map[string]string, bool) {
				return map[string]string{"model": a.Model}, a.Insured
			})
		case q == rules.exprs["direction:kos_mnp_ports:increase1h"]:
			series = d.ports(steps)
		case strings.HasPrefix(q, "max by (collector) (min_over_time(kos_exporter_collector_exposed{"):
			series = d.coverage(steps)
		default:
			http.Error(w, fmt.Sprintf(`{"status":"error","errorType":"bad_data","error":%q}`, "fake: unknown query "+q), http.StatusBadRequest)
			return
		}
		reply(w, map[string]any{"resultType": "matrix", "result": series})
	})
	return mux, nil
}

type stream struct {
	Metric map[string]string `json:"metric"`
	Values [][2]any          `json:"values"`
}

// hourly answers an *:increase1h rule: at each step t the count of rows in
// (t-1h, t], for every label set seen by t. Nothing is scraped while the
// collector is out at t, so the rule has no value then.
func (d Data) hourly(steps []time.Time, collector string, labels func(Activation) (map[string]string, bool)) []stream {
	byKey := map[string]*stream{}
	var order []string
	for _, t := range steps {
		if d.out(collector, t) {
			continue
		}
		counts := map[string]float64{}
		for _, a := range d.Activations {
			l, ok := labels(a)
			if !ok || a.At.After(t) {
				continue
			}
			k := fmt.Sprint(l)
			if _, seen := byKey[k]; !seen {
				byKey[k] = &stream{Metric: l}
				order = append(order, k)
			}
			if a.At.After(t.Add(-time.Hour)) {
				counts[k]++
			} else {
				counts[k] += 0
			}
		}
		for k, n := range counts {
			byKey[k].Values = append(byKey[k].Values, point(t, n))
		}
	}
	out := make([]stream, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	return out
}

func (d Data) ports(steps []time.Time) []stream {
	byDir := map[string]*stream{}
	var order []string
	for _, t := range steps {
		if d.out("mnp", t) {
			continue
		}
		counts := map[string]float64{}
		for _, p := range d.Ports {
			if p.At.After(t) {
				continue
			}
			if _, ok := byDir[p.Direction]; !ok {
				byDir[p.Direction] = &stream{Metric: map[string]string{"direction": p.Direction}}
				order = append(order, p.Direction)
			}
			counts[p.Direction] += 0
			if p.At.After(t.Add(-time.Hour)) {
				counts[p.Direction]++
			}
		}
		for dir, n := range counts {
			byDir[dir].Values = append(byDir[dir].Values, point(t, n))
		}
	}
	out := make([]stream, 0, len(order))
	for _, k := range order {
		out = append(out, *byDir[k])
	}
	return out
}

// coverage answers the gap check: per collector and step, 0 when an outage
// with scrapes overlaps the minute before, nothing without scrapes, else 1.
func (d Data) coverage(steps []time.Time) []stream {
	var out []stream
	for _, c := range d.Collectors {
		s := stream{Metric: map[string]string{"collector": c}}
		for _, t := range steps {
			v, ok := 1.0, true
			for _, o := range d.Outages {
				if o.Collector == c && o.From.Before(t) && o.To.After(t.Add(-time.Minute)) {
					if !o.Scraped {
						ok = false
					}
					v = 0
				}
			}
			if ok {
				s.Values = append(s.Values, point(t, v))
			}
		}
		out = append(out, s)
	}
	return out
}

func (d Data) out(collector string, t time.Time) bool {
	for _, o := range d.Outages {
		if o.Collector == collector && !o.Scraped && !t.Before(o.From) && t.Before(o.To) {
			return true
		}
	}
	return false
}

func point(t time.Time, v float64) [2]any {
	return [2]any{float64(t.UnixMilli()) / 1000, strconv.FormatFloat(v, 'f', -1, 64)}
}

func parseTime(s string) (time.Time, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.UnixMilli(int64(f * 1000)), nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

func reply(w http.ResponseWriter, data any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": data})
}

type rules struct {
	list  []map[string]any
	exprs map[string]string
}

func loadRules(path string) (rules, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return rules{}, fmt.Errorf("fake prometheus: %w", err)
	}
	var f struct {
		Groups []struct {
			Rules []struct {
				Record string `yaml:"record"`
				Expr   string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		return rules{}, fmt.Errorf("fake prometheus: %s: %w", path, err)
	}
	r := rules{exprs: map[string]string{}}
	for _, g := range f.Groups {
		for _, rule := range g.Rules {
			if rule.Record == "" {
				continue
			}
			r.exprs[rule.Record] = rule.Expr
			r.list = append(r.list, map[string]any{"type": "recording", "name": rule.Record, "query": rule.Expr, "health": "ok"})
		}
	}
	return r, nil
}
