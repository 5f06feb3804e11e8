package main

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

// notBilingual lists what the war-room could not read in d: every title
// (dashboard, row, panel) is "<Korean> · <English>", Korean first, and
// every description carries Korean.
func notBilingual(d *dashboard) []string {
	var out []string
	title := func(kind, s string) {
		ko, en, ok := strings.Cut(s, " · ")
		if !ok || !hasHangul(ko) || strings.TrimSpace(en) == "" {
			out = append(out, kind+" title "+s)
		}
	}
	description := func(kind, name, s string) {
		if !hasHangul(s) {
			out = append(out, kind+" description of "+name)
		}
	}
	title("dashboard", d.Title)
	description("dashboard", d.Title, d.Description)
	var walk func(ps []*panel)
	walk = func(ps []*panel) {
		for _, p := range ps {
			if p.Type == "row" {
				title("row", p.Title)
				walk(p.Panels) // a collapsed row holds its panels
				continue
			}
			title("panel", p.Title)
			description("panel", p.Title, p.Description)
		}
	}
	walk(d.Panels)
	return out
}

func hasHangul(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Hangul, r) }) >= 0
}

// TestDashboardsAreBilingual: the shipped dashboards speak the war-room's
// Korean in every title and description.
func TestDashboardsAreBilingual(t *testing.T) {
	_, in, err := load(repo+"/bundle.yaml", repo+"/rules/src")
	if err != nil {
		t.Fatal(err)
	}
	for _, bd := range boards {
		t.Run(bd.file, func(t *testing.T) {
			d, err := bd.build(in)
			if err != nil {
				t.Fatal(err)
			}
			for _, miss := range notBilingual(d) {
				t.Errorf("%s has no Korean first", miss)
			}
		})
	}
}

// TestNotBilingual: each place a title or description can miss its Korean
// is reported.
func TestNotBilingual(t *testing.T) {
	ok := func() *dashboard {
		collapsed := true
		return &dashboard{Title: "상황실 · War-room", Description: "상황실 화면. Wall.", Panels: []*panel{
			{Type: "row", Title: "개통 · Activations"},
			{Type: "stat", Title: "당일 개통 · Activations today", Description: "자정 이후. Since midnight."},
			{Type: "row", Title: "기기 · Device", Collapsed: &collapsed, Panels: []*panel{
				{Type: "stat", Title: "대기 건 · Wait queue", Description: "대기 건수. Waiting items."},
			}},
		}}
	}
	for _, tc := range []struct {
		name  string
		spoil func(d *dashboard)
		want  []string
	}{
		{"bilingual", func(*dashboard) {}, nil},
		{"dashboard title in English", func(d *dashboard) { d.Title = "War-room" }, []string{"dashboard title War-room"}},
		{"dashboard title English first", func(d *dashboard) { d.Title = "War-room · 상황실" }, []string{"dashboard title War-room · 상황실"}},
		{"dashboard title in Korean only", func(d *dashboard) { d.Title = "상황실" }, []string{"dashboard title 상황실"}},
		{"dashboard description", func(d *dashboard) { d.Description = "Wall." }, []string{"dashboard description of 상황실 · War-room"}},
		{"row title", func(d *dashboard) { d.Panels[0].Title = "Activations" }, []string{"row title Activations"}},
		{"panel title", func(d *dashboard) { d.Panels[1].Title = "Activations today" }, []string{"panel title Activations today"}},
		{"panel description", func(d *dashboard) { d.Panels[1].Description = "Since midnight." },
			[]string{"panel description of 당일 개통 · Activations today"}},
		{"empty panel description", func(d *dashboard) { d.Panels[1].Description = "" },
			[]string{"panel description of 당일 개통 · Activations today"}},
		{"panel in a collapsed row", func(d *dashboard) { d.Panels[2].Panels[0].Title = "Wait queue" }, []string{"panel title Wait queue"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := ok()
			tc.spoil(d)
			if got := notBilingual(d); !slices.Equal(got, tc.want) {
				t.Errorf("notBilingual = %q, want %q", got, tc.want)
			}
		})
	}
}
