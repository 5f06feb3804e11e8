package main

import (
	"fmt"
	"strings"
)

// board lays panels out left to right on Grafana's 24-column grid and
// numbers them. Problems (an unknown alert or threshold) are collected in
// errs so that one run reports all of them.
type board struct {
	in     *inputs
	wall   bool // the war-room wall: panels also link signal.wallLinks
	d      *dashboard
	x, y   int
	rowH   int // height of the tallest panel on the current line
	nextID int
	errs   []error
}

type boardSpec struct {
	uid, title, description string
	wall                    bool
	refresh                 string
	from, to                string
	vars                    []variable
}

func newBoard(in *inputs, s boardSpec) *board {
	return &board{in: in, wall: s.wall, nextID: 1, d: &dashboard{
		UID:           s.uid,
		Title:         s.title,
		Description:   s.description,
		Tags:          []string{"kos"},
		Editable:      false,
		GraphTooltip:  1,
		Style:         "dark",
		Timezone:      in.timezone,
		Refresh:       s.refresh,
		Time:          timeRange{From: s.from, To: s.to},
		SchemaVersion: schemaVersion,
		Links: []link{{
			Title: "KOS dashboards", Type: "dashboards", Tags: []string{"kos"}, AsDropdown: true,
		}, {
			Title: "Runbooks", Type: "link", URL: in.runbooks, TargetBlank: true,
		}},
		Templating: templating{List: append([]variable{{
			Name: "datasource", Label: "Data source", Type: "datasource", Query: "prometheus",
			Refresh: 1, Current: map[string]any{}, Options: []any{},
		}}, s.vars...)},
		Annotations: annotations{List: []any{}},
		Panels:      []*panel{},
	}}
}

// queryVar is a multi-value query variable over a label of metric, with
// "All" matching every non-empty value; refreshed on time range change.
func queryVar(name, metric string) variable {
	def := fmt.Sprintf("label_values(%s, %s)", metric, name)
	return variable{
		Name: name, Label: name, Type: "query", Datasource: &promDS,
		Query:      map[string]any{"query": def, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
		Definition: def, Refresh: 2, IncludeAll: true, Multi: true, AllValue: ".+", Sort: 1,
		Current: map[string]any{"selected": true, "text": []string{"All"}, "value": []string{"$__all"}},
		Options: []any{},
	}
}

// row starts a new full-width row.
func (b *board) row(title string) {
	b.newline()
	collapsed := false
	b.d.Panels = append(b.d.Panels, &panel{
		ID: b.id(), Type: "row", Title: title, Collapsed: &collapsed,
		GridPos: gridPos{H: 1, W: 24, X: 0, Y: b.y},
	})
	b.y++
}

func (b *board) newline() {
	if b.x > 0 {
		b.y += b.rowH
		b.x, b.rowH = 0, 0
	}
}

// add places p (w columns wide, h units high) after the previous panel,
// wrapping to a new line when it does not fit.
func (b *board) add(w, h int, p *panel) {
	if b.x+w > 24 {
		b.newline()
	}
	p.ID = b.id()
	p.GridPos = gridPos{H: h, W: w, X: b.x, Y: b.y}
	b.x += w
	b.rowH = max(b.rowH, h)
	b.d.Panels = append(b.d.Panels, p)
}

func (b *board) id() int {
	b.nextID++
	return b.nextID - 1
}

// runbook links a panel to the runbook of an alert it mirrors.
func (b *board) runbook(alerts ...string) []link {
	var out []link
	for _, a := range alerts {
		if !b.in.alerts[a] {
			b.errs = append(b.errs, fmt.Errorf("%s: runbook link to unknown alert %s", b.d.UID, a))
		}
		out = append(out, link{Title: "Runbook: " + a, URL: b.in.runbooks + "#" + strings.ToLower(a), TargetBlank: true})
	}
	return out
}

// threshold is a constant from rules/thresholds.yaml (kos:threshold:<name>),
// so the colours on the wall change with the alerts.
func (b *board) threshold(name string) float64 {
	v, ok := b.in.thresholds[name]
	if !ok {
		b.errs = append(b.errs, fmt.Errorf("%s: unknown threshold kos:threshold:%s", b.d.UID, name))
	}
	return v
}

func (b *board) build() (*dashboard, error) {
	if len(b.errs) > 0 {
		return nil, fmt.Errorf("dashboard %s: %v", b.d.UID, b.errs)
	}
	return b.d, nil
}

// q is one PromQL query with its legend.
type q struct {
	expr, legend string
}

func targets(instant bool, qs []q) []target {
	out := make([]target, len(qs))
	for i, x := range qs {
		out[i] = target{
			RefID: string(rune('A' + i)), Datasource: promDS, Expr: x.expr, LegendFormat: x.legend,
			Instant: instant, Range: !instant,
		}
	}
	return out
}

// newPanel is what every panel kind shares: its queries on the dashboard's
// data source, a unit, neutral colours.
func newPanel(typ, title, description, unit string, instant bool, qs []q, options map[string]any) *panel {
	return &panel{
		Type: typ, Title: title, Description: description, Datasource: &promDS,
		Targets:     targets(instant, qs),
		FieldConfig: &fieldConfig{Defaults: fieldDefaults{Unit: unit, Thresholds: neutral()}, Overrides: []override{}},
		Options:     options,
	}
}

// stat is a big-number panel for the wall: last value, coloured background.
func stat(title, description, unit string, qs ...q) *panel {
	return newPanel("stat", title, description, unit, true, qs, map[string]any{
		"reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}, "fields": "", "values": false},
		"colorMode":     "background", "graphMode": "none", "justifyMode": "auto",
		"orientation": "auto", "textMode": "value_and_name", "wideLayout": true,
		"showPercentChange": false,
	})
}

// timeseries is a graph of the queries over the dashboard's time range.
func timeseries(title, description, unit string, qs ...q) *panel {
	p := newPanel("timeseries", title, description, unit, false, qs, map[string]any{
		"legend":  map[string]any{"displayMode": "table", "placement": "right", "showLegend": true, "calcs": []string{"lastNotNull", "max"}},
		"tooltip": map[string]any{"mode": "multi", "sort": "desc"},
	})
	p.FieldConfig.Defaults.Custom = map[string]any{"drawStyle": "line", "lineWidth": 2, "fillOpacity": 10, "showPoints": "never",
		"spanNulls": false, "thresholdsStyle": map[string]any{"mode": "off"}}
	return p
}

// table shows instant query results as rows (one per series).
func table(title, description, unit string, qs ...q) *panel {
	p := newPanel("table", title, description, unit, true, qs,
		map[string]any{"showHeader": true, "cellHeight": "sm", "footer": map[string]any{"show": false}})
	for i := range p.Targets {
		p.Targets[i].Format = "table"
	}
	return p
}

// stateTimeline shows on/off states over time (which switch was on, since when).
func stateTimeline(title, description, unit string, qs ...q) *panel {
	return newPanel("state-timeline", title, description, unit, false, qs, map[string]any{
		"showValue": "auto", "mergeValues": true, "rowHeight": 0.8, "alignValue": "left",
		"legend": map[string]any{"displayMode": "list", "placement": "bottom", "showLegend": false},
	})
}

// heatmap shows pre-bucketed histogram rates (one series per le) over time.
func heatmap(title, description, unit string, qs ...q) *panel {
	p := newPanel("heatmap", title, description, unit, false, qs, map[string]any{
		"calculate": false, "cellGap": 1,
		"yAxis":     map[string]any{"unit": unit, "axisPlacement": "left"},
		"color":     map[string]any{"mode": "scheme", "scheme": "Oranges", "scale": "exponential", "exponent": 0.5},
		"rowsFrame": map[string]any{"layout": "auto"},
		"tooltip":   map[string]any{"mode": "single", "yHistogram": true},
		"legend":    map[string]any{"show": true},
	})
	for i := range p.Targets {
		p.Targets[i].Format = "heatmap"
	}
	return p
}

func (p *panel) withThresholds(t *thresholds) *panel {
	p.FieldConfig.Defaults.Thresholds = t
	p.FieldConfig.Defaults.Color = map[string]any{"mode": "thresholds"}
	if p.Type == "timeseries" {
		p.FieldConfig.Defaults.Custom["thresholdsStyle"] = map[string]any{"mode": "dashed"}
	}
	return p
}

func (p *panel) withLinks(l []link) *panel {
	p.Links = l
	return p
}

func (p *panel) withMappings(m ...mapping) *panel {
	p.FieldConfig.Defaults.Mappings = m
	return p
}

func (p *panel) withDecimals(n int) *panel {
	p.FieldConfig.Defaults.Decimals = &n
	return p
}

func (p *panel) withMinMax(lo, hi float64) *panel {
	p.FieldConfig.Defaults.Min, p.FieldConfig.Defaults.Max = &lo, &hi
	return p
}

// withDisplayNames renames series (legend text) for people who do not know
// the label values.
func (p *panel) withDisplayNames(names ...[2]string) *panel {
	for _, n := range names {
		p.FieldConfig.Overrides = append(p.FieldConfig.Overrides, override{
			Matcher: matcher{ID: "byName", Options: n[0]}, Properties: []property{{ID: "displayName", Value: n[1]}},
		})
	}
	return p
}

// withOverride sets properties on the field (series or column) called name.
func (p *panel) withOverride(name string, props ...property) *panel {
	p.FieldConfig.Overrides = append(p.FieldConfig.Overrides, override{Matcher: matcher{ID: "byName", Options: name}, Properties: props})
	return p
}

// hourly turns a range panel into one point per hour on the hour: each
// point of an *:increase1h rule at hh:00 is the hour before.
func (p *panel) hourly() *panel {
	p.Interval = "1h"
	for i := range p.Targets {
		p.Targets[i].Interval = "1h"
	}
	return p
}

func (p *panel) withTransformations(t ...transformation) *panel {
	p.Transformations = t
	return p
}

func (p *panel) bars() *panel {
	p.FieldConfig.Defaults.Custom["drawStyle"] = "bars"
	p.FieldConfig.Defaults.Custom["fillOpacity"] = 80
	p.FieldConfig.Defaults.Custom["stacking"] = map[string]any{"mode": "normal", "group": "A"}
	return p
}

func (p *panel) withOptions(kv map[string]any) *panel {
	for k, v := range kv {
		p.Options[k] = v
	}
	return p
}

func f(v float64) *float64 { return &v }

// neutral is the colour of a number that has no good or bad value.
func neutral() *thresholds {
	return &thresholds{Mode: "absolute", Steps: []step{{Color: "blue", Value: nil}}}
}

// highIsBad: green below warn, orange from warn, red from crit.
func highIsBad(warn, crit float64) *thresholds {
	return &thresholds{Mode: "absolute", Steps: []step{{Color: "green"}, {Color: "orange", Value: f(warn)}, {Color: "red", Value: f(crit)}}}
}

// lowIsBad: red below crit, green from it.
func lowIsBad(crit float64) *thresholds {
	return &thresholds{Mode: "absolute", Steps: []step{{Color: "red"}, {Color: "green", Value: f(crit)}}}
}

// onOff maps 0/1 to OFF/ON with the colours given.
func onOff(offColor, onColor string) mapping {
	return mapping{Type: "value", Options: map[string]mappingValue{
		"0": {Text: "OFF", Color: offColor, Index: 0},
		"1": {Text: "ON", Color: onColor, Index: 1},
	}}
}
