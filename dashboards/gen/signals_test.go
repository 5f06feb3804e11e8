package main

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestSignalsAreDistinctAndShown: each entry of the signal table is its own
// query, and every entry is on some dashboard (no dead entries).
func TestSignalsAreDistinctAndShown(t *testing.T) {
	var all strings.Builder
	for _, b := range shipped(t) {
		all.Write(b)
	}
	v := reflect.ValueOf(warRoomSignals())
	seen := map[string]string{}
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		expr := v.Field(i).FieldByName("q").FieldByName("expr").String()
		if other, ok := seen[expr]; ok {
			t.Errorf("signals %s and %s share the query %s", other, name, expr)
		}
		seen[expr] = name
		quoted, _ := json.Marshal(expr)
		if !strings.Contains(all.String(), `"expr": `+string(quoted)) {
			t.Errorf("signal %s is on no dashboard", name)
		}
	}
}

// TestSameQuerySameLook: wherever the wall and the drill-downs show the same
// query, the panels agree on unit and colours.
func TestSameQuerySameLook(t *testing.T) {
	_, in, err := load(repo+"/bundle.yaml", repo+"/rules/src")
	if err != nil {
		t.Fatal(err)
	}
	type look struct{ board, unit, thresholds string }
	seen := map[string]look{}
	for _, bd := range boards {
		if bd.file == "results.json" || bd.file == "exporter.json" {
			continue // tables of the same numbers, and the exporter's own health
		}
		d, err := bd.build(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range d.Panels {
			if p.FieldConfig == nil {
				continue
			}
			th, _ := json.Marshal(p.FieldConfig.Defaults.Thresholds)
			got := look{bd.file, p.FieldConfig.Defaults.Unit, string(th)}
			for _, x := range p.Targets {
				prev, ok := seen[x.Expr]
				if ok && (prev.unit != got.unit || prev.thresholds != got.thresholds) {
					t.Errorf("%s: %s %q shows it as %s %s, %s as %s %s", x.Expr, bd.file, p.Title, got.unit, got.thresholds, prev.board, prev.unit, prev.thresholds)
				}
				seen[x.Expr] = got
			}
		}
	}
}

func TestBandColours(t *testing.T) {
	in := &inputs{thresholds: map[string]float64{"ratio": 0.1, "per_second": 0.5, "count": 10}}
	for _, tc := range []struct {
		name string
		band band
		want *thresholds
	}{
		{"high is bad from the threshold, orange from half", above("ratio"), highIsBad(0.05, 0.1)},
		{"low is bad below the threshold", below("ratio"), lowIsBad(0.1)},
		{"per-second threshold on a per-minute signal", band{dir: lowIsBadBand, threshold: "per_second", perMinute: true}, lowIsBad(30)},
		{"count: orange from one", band{dir: countBand, threshold: "count"}, highIsBad(1, 10)},
		{"fixed limit", band{dir: countBand, limit: 1}, highIsBad(1, 1)},
		{"fixed low limit", band{dir: lowIsBadBand, limit: 1}, lowIsBad(1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBoard(in, boardSpec{uid: "test"})
			if got := b.colours(tc.band); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("colours(%+v) = %+v, want %+v", tc.band, got, tc.want)
			}
			if _, err := b.build(); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestShow: a panel takes its links from its signals (the wall adds
// wallLinks), and signals that disagree on unit or band cannot share one.
func TestShow(t *testing.T) {
	in := &inputs{alerts: map[string]bool{"KOSA": true, "KOSB": true, "KOSC": true}, thresholds: map[string]float64{"t": 1}, runbooks: "https://example.org/runbooks.md"}
	a := signal{q: q{"a", "a"}, unit: "s", band: above("t"), alerts: []string{"KOSA"}, wallLinks: []string{"KOSC"}}
	b := signal{q: q{"b", "b"}, unit: "s", band: above("t"), alerts: []string{"KOSB", "KOSA"}}
	for _, tc := range []struct {
		name    string
		wall    bool
		sigs    []signal
		links   []string
		wantErr bool
	}{
		{"drill-down", false, []signal{a, b}, []string{"KOSA", "KOSB"}, false},
		{"wall", true, []signal{a, b}, []string{"KOSA", "KOSC", "KOSB"}, false},
		{"units differ", false, []signal{a, {q: q{"c", "c"}, unit: "short", band: above("t")}}, []string{"KOSA"}, true},
		{"bands differ", false, []signal{a, {q: q{"c", "c"}, unit: "s", band: below("t")}}, []string{"KOSA"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bd := newBoard(in, boardSpec{uid: "test", wall: tc.wall})
			p := bd.show(timeseries, "title", "description", tc.sigs...)
			var links []string
			for _, l := range p.Links {
				links = append(links, strings.TrimPrefix(l.Title, "Runbook: "))
				if want := "https://example.org/runbooks.md#" + strings.ToLower(strings.TrimPrefix(l.Title, "Runbook: ")); l.URL != want {
					t.Errorf("link %s, want %s", l.URL, want)
				}
			}
			if !slices.Equal(links, tc.links) {
				t.Errorf("links %v, want %v", links, tc.links)
			}
			if len(p.Targets) != len(tc.sigs) || p.FieldConfig.Defaults.Unit != "s" {
				t.Errorf("targets %d, unit %s; want %d, s", len(p.Targets), p.FieldConfig.Defaults.Unit, len(tc.sigs))
			}
			if _, err := bd.build(); (err != nil) != tc.wantErr {
				t.Errorf("build() error %v, want error %v", err, tc.wantErr)
			}
		})
	}
}
