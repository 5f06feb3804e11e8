package render

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/report/table"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var kst = time.FixedZone("KST", 9*3600)

func hour(h int, acts map[table.Key]float64, insured map[string]float64, ports map[string]float64, gaps ...table.Gap) table.Hour {
	return table.Hour{Start: time.Date(2026, 11, 26, h, 0, 0, 0, kst), Activations: acts, Insured: insured, Ports: ports, Gaps: gaps}
}

// board is the war-room board's figures of an hour.
type board = map[table.Figure]map[string]float64

// fixture is a two-hour day: 00:00 complete, 01:00 with the mnp collector
// stale for six minutes, and a baseline day. On the board, KAIT has no
// calls at 01:00 (no series at all), Mobins fails a seventh of its calls,
// ota_flow is stale for five minutes (OTA failures unknown), and the error
// queue holds two reasons.
func fixture(t *testing.T, edits ...func(today *table.Day)) table.Report {
	t.Helper()
	k := func(m, kind string) table.Key { return table.Key{Model: m, Kind: kind} }
	today := table.Day{Start: time.Date(2026, 11, 26, 0, 0, 0, 0, kst), Hours: []table.Hour{
		hour(0, map[table.Key]float64{k("nova_x_pro", "new"): 120, k("nova_x_pro", "port_in"): 95, k("nova_x_pro", "device_change"): 310, k("nova_x", "new"): 40, k("nova_x", "device_change"): 88},
			map[string]float64{"nova_x_pro": 140, "nova_x": 30}, map[string]float64{"in": 101, "out": 77}),
		hour(1, map[table.Key]float64{k("nova_x_pro", "new"): 1204, k("nova_x_pro", "port_in"): 830, k("nova_x_pro", "device_change"): 2950, k("nova_x", "new"): 310, k("nova_x", "port_in"): 120, k("fold_z", "device_change"): 45},
			map[string]float64{"nova_x_pro": 1500, "nova_x": 101, "fold_z": 9}, map[string]float64{"in": 960, "out": 712},
			table.Gap{Collector: "mnp", From: time.Date(2026, 11, 26, 1, 31, 0, 0, kst), To: time.Date(2026, 11, 26, 1, 37, 0, 0, kst), Reason: table.NotExposed}),
	}}
	today.Hours[0].Board = board{
		table.Calls: {"sgi": 1180, "kait": 2400, "mobins": 900}, table.FailedCalls: {"sgi": 6, "kait": 1, "mobins": 0},
		table.OTACompleted: {"": 410}, table.OTAFailed: {"": 3}, table.OTAPending: {"": 12},
		table.Reprocessed: {"sgi_guarantee": 5, "product_call": 2}, table.ReprocessFailed: {"sgi_guarantee": 1}, table.Backlog: {"sgi_guarantee": 3},
	}
	today.Hours[1].Board = board{
		table.Calls: {"sgi": 3020, "mobins": 1900}, table.FailedCalls: {"sgi": 15, "mobins": 271},
		table.OTACompleted: {"": 980}, table.OTAPending: {"": 40},
		table.Reprocessed: {"sgi_guarantee": 30}, table.ReprocessFailed: {"sgi_guarantee": 4}, table.GivenUp: {"sgi_guarantee": 1},
		table.Backlog: {"sgi_guarantee": 7, "ota": 2},
	}
	today.Hours[1].Gaps = append(today.Hours[1].Gaps, table.Gap{Collector: "ota_flow", Group: table.OTA,
		From: time.Date(2026, 11, 26, 1, 12, 0, 0, kst), To: time.Date(2026, 11, 26, 1, 17, 0, 0, kst), Reason: table.NoData})
	base := table.Day{Start: time.Date(2026, 11, 25, 0, 0, 0, 0, kst), Hours: []table.Hour{
		hour(0, map[table.Key]float64{k("nova_x_pro", "new"): 50}, nil, nil),
		hour(1, map[table.Key]float64{k("nova_x_pro", "new"): 4000, k("nova_x", "new"): 500}, nil, nil),
	}}
	base.Hours[0].Board = board{table.Calls: {"sgi": 1000, "kait": 2000}, table.FailedCalls: {"sgi": 2}, table.OTACompleted: {"": 300}, table.Reprocessed: {"sgi_guarantee": 10}}
	base.Hours[1].Board = board{table.Calls: {"sgi": 2500, "kait": 2600, "mobins": 1500}, table.FailedCalls: {"sgi": 5, "mobins": 3}, table.OTACompleted: {"": 700}, table.Reprocessed: {"sgi_guarantee": 12}}
	for _, e := range edits {
		e(&today)
	}
	rep, err := table.Build(today, &base, 2)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestGolden(t *testing.T) {
	missing := table.Unavailable(time.Date(2026, 11, 26, 10, 0, 0, 0, kst), errors.New("Prometheus at http://prom:9090 unreachable"))
	for _, tc := range []struct {
		name, format, lang string
		rep                table.Report
	}{
		{"text.en", "text", "en", fixture(t)},
		{"text.ko", "text", "ko", fixture(t)},
		{"markdown.en", "markdown", "en", fixture(t)},
		{"markdown.ko", "markdown", "ko", fixture(t)},
		{"csv", "csv", "en", fixture(t)},
		{"json", "json", "en", fixture(t)},
		{"missing.text", "text", "en", missing},
		{"missing.markdown", "markdown", "en", missing},
		{"missing.csv", "csv", "en", missing},
		{"missing.json", "json", "en", missing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, tc.format, tc.lang, tc.rep); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./report/render -update)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s differs from %s:\n%s", tc.name, path, b.String())
			}
		})
	}
}

func TestHTMLIsSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := Render(&b, "html", "ko", fixture(t)); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`<html lang="ko">`, `name="viewport"`, `<tr class="top"><td>nova_x_pro</td>`, `<tr class="total"><td>합계</td>`, "일부 누락"} {
		if !bytes.Contains(b.Bytes(), []byte(s)) {
			t.Errorf("HTML lacks %q", s)
		}
	}
	for _, s := range []string{"<script", "<link", "src=", "@import"} {
		if bytes.Contains(b.Bytes(), []byte(s)) {
			t.Errorf("HTML fetches something: %q", s)
		}
	}
}

func TestBadFormatOrLang(t *testing.T) {
	for _, tc := range []struct{ format, lang, want string }{
		{"pdf", "en", `unknown format "pdf" (want one of text, markdown, csv, html, json)`},
		{"text", "fr", `unknown language "fr" (want one of ko, en)`},
	} {
		t.Run(tc.format+"/"+tc.lang, func(t *testing.T) {
			err := Render(&bytes.Buffer{}, tc.format, tc.lang, fixture(t))
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
