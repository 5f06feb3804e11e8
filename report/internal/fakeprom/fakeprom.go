// Package fakeprom serves the parts of Prometheus' HTTP API that kos_report
// uses (/api/v1/rules and /api/v1/query_range), answering from lists of
// simulated events as a Prometheus scraping kos_exporter would, so tests
// can compute the expected table from the same lists independently.
package fakeprom

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
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

// Count is one increment of another counter the exporter exposes, e.g. one
// outside-agency call: Metric kos_agency_calls_total, Labels agency,
// operation and result, from Collector agency_calls.
type Count struct {
	At        time.Time
	Collector string
	Metric    string
	Labels    map[string]string
}

// Level is a gauge's value from At until its series' next Level.
type Level struct {
	At        time.Time
	Collector string
	Metric    string
	Labels    map[string]string
	Value     float64
}

// Inc is the Count of metric{labels} (name, value, ...) at a time.
func Inc(at time.Time, collector, metric string, labels ...string) Count {
	return Count{At: at, Collector: collector, Metric: metric, Labels: labelMap(labels)}
}

// Set is the Level of metric{labels} (name, value, ...) from a time.
func Set(at time.Time, collector, metric string, v float64, labels ...string) Level {
	return Level{At: at, Collector: collector, Metric: metric, Labels: labelMap(labels), Value: v}
}

func labelMap(pairs []string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return m
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
	Counts      []Count
	Levels      []Level
	Outages     []Outage
	Collectors  []string // collectors the exporter runs (activations, mnp, ...)
}

// counter is what an *:increase1h recording rule sums: a counter by labels.
type counter struct {
	metric string
	by     []string
}

// The recording rules the fake answers, as it reads them.
func ruleCounters() map[string]counter {
	return map[string]counter{
		"model_kind:kos_activations:increase1h":  {"kos_activations_total", []string{"model", "kind"}},
		"model:kos_insurance_signups:increase1h": {"kos_insurance_signups_total", []string{"model"}},
		"direction:kos_mnp_ports:increase1h":     {"kos_mnp_ports_total", []string{"direction"}},
	}
}

// Handler answers the API from d, with the recording rules of rulesFile
// (rules/recording.yaml). Besides the rules' expressions it answers the
// report's own two query forms: a counter's hour as the rules count it,
// "sum by (l, ...) ((c - c offset 1h) >= 0 or increase(c[1h]))", and a
// gauge, "sum by (l, ...) (g)".
func Handler(d Data, rulesFile string) (http.Handler, error) {
	rules, err := loadRules(rulesFile)
	if err != nil {
		return nil, err
	}
	increase := regexp.MustCompile(`^sum by \(([a-z_, ]*)\) \(\((kos_[a-z_]+) - (kos_[a-z_]+) offset 1h\) >= 0 or increase\((kos_[a-z_]+)\[1h\]\)\)$`)
	gauge := regexp.MustCompile(`^sum by \(([a-z_, ]*)\) \((kos_[a-z_]+)\)$`)
	counts := d.counts()
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
		if c, ok := ruleCounters()[rules.names[q]]; ok {
			series = d.increase(counts, steps, c)
		} else if m := increase.FindStringSubmatch(q); m != nil && m[2] == m[3] && m[3] == m[4] {
			series = d.increase(counts, steps, counter{m[2], labelList(m[1])})
		} else if m := gauge.FindStringSubmatch(q); m != nil {
			series = d.gauge(steps, m[2], labelList(m[1]))
		} else if strings.HasPrefix(q, "max by (collector) (min_over_time(kos_exporter_collector_exposed{") {
			series = d.coverage(steps)
		} else {
			http.Error(w, fmt.Sprintf(`{"status":"error","errorType":"bad_data","error":%q}`, "fake: unknown query "+q), http.StatusBadRequest)
			return
		}
		reply(w, map[string]any{"resultType": "matrix", "result": series})
	})
	return mux, nil
}

func labelList(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, ",") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

type stream struct {
	Metric map[string]string `json:"metric"`
	Values [][2]any          `json:"values"`
}

// counts lists every counter increment: the activations, insurance
// sign-ups and MNP requests as their collectors expose them, then Counts.
func (d Data) counts() []Count {
	var out []Count
	for _, a := range d.Activations {
		out = append(out, Count{At: a.At, Collector: "activations", Metric: "kos_activations_total", Labels: map[string]string{"model": a.Model, "kind": a.Kind}})
		if a.Insured {
			out = append(out, Count{At: a.At, Collector: "activations", Metric: "kos_insurance_signups_total", Labels: map[string]string{"model": a.Model}})
		}
	}
	for _, p := range d.Ports {
		out = append(out, Count{At: p.At, Collector: "mnp", Metric: "kos_mnp_ports_total", Labels: map[string]string{"direction": p.Direction}})
	}
	return append(out, d.Counts...)
}

// increase answers a counter's hour: at each step t the increments in
// (t-1h, t] by c.by, for every label set seen by t. Nothing is scraped
// while the collector is out at t, so there is no value then.
func (d Data) increase(counts []Count, steps []time.Time, c counter) []stream {
	byKey := map[string]*stream{}
	var order []string
	for _, t := range steps {
		n := map[string]float64{}
		for _, x := range counts {
			if x.Metric != c.metric || x.At.After(t) || d.out(x.Collector, t) {
				continue
			}
			l := project(x.Labels, c.by)
			k := fmt.Sprint(l)
			if _, seen := byKey[k]; !seen {
				byKey[k] = &stream{Metric: l}
				order = append(order, k)
			}
			n[k] += 0
			if x.At.After(t.Add(-time.Hour)) {
				n[k]++
			}
		}
		for k, v := range n {
			byKey[k].Values = append(byKey[k].Values, point(t, v))
		}
	}
	return streams(byKey, order)
}

// gauge answers a gauge summed by labels: at each step t every series'
// last Level at or before t, unless its collector is out at t.
func (d Data) gauge(steps []time.Time, metric string, by []string) []stream {
	byKey := map[string]*stream{}
	var order []string
	for _, t := range steps {
		last := map[string]Level{}
		for _, l := range d.Levels {
			k := fmt.Sprint(l.Labels)
			if l.Metric == metric && !l.At.After(t) && !d.out(l.Collector, t) && !l.At.Before(last[k].At) {
				last[k] = l
			}
		}
		sums := map[string]float64{}
		for _, l := range last {
			p := project(l.Labels, by)
			k := fmt.Sprint(p)
			if _, seen := byKey[k]; !seen {
				byKey[k] = &stream{Metric: p}
				order = append(order, k)
			}
			sums[k] += l.Value
		}
		for k, v := range sums {
			byKey[k].Values = append(byKey[k].Values, point(t, v))
		}
	}
	return streams(byKey, order)
}

// project keeps the labels of sum by (by...).
func project(labels map[string]string, by []string) map[string]string {
	out := map[string]string{}
	for _, l := range by {
		out[l] = labels[l]
	}
	return out
}

func streams(byKey map[string]*stream, order []string) []stream {
	out := make([]stream, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
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
	names map[string]string // expression → rule name
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
	r := rules{names: map[string]string{}}
	for _, g := range f.Groups {
		for _, rule := range g.Rules {
			if rule.Record == "" {
				continue
			}
			r.names[rule.Expr] = rule.Record
			r.list = append(r.list, map[string]any{"type": "recording", "name": rule.Record, "query": rule.Expr, "health": "ok"})
		}
	}
	return r, nil
}
