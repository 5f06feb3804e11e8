package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/report/table"
)

// agenciesDown: agency_calls not scraped from 01:00 to 02:00, so the hour's
// agency table is missing and the day's partial; the rest is untouched.
func agenciesDown(today *table.Day) {
	h := &today.Hours[1]
	delete(h.Board, table.Calls)
	delete(h.Board, table.FailedCalls)
	h.Gaps = append(h.Gaps, table.Gap{Collector: "agency_calls", Group: table.Agencies,
		From: time.Date(2026, 11, 26, 1, 0, 0, 0, kst), To: time.Date(2026, 11, 26, 2, 0, 0, 0, kst), Reason: table.NoData})
}

func TestBoardInEveryFormat(t *testing.T) {
	for _, tc := range []struct {
		format, lang string
		edits        []func(*table.Day)
		want         []string
	}{
		{format: "text", lang: "ko", want: []string{
			"시간 실적 01:00–02:00 · 대외기관 호출·오류율\n  대외기관       호출  오류  오류율  11-25 대비  11-25 오류율\n",
			"  KAIT              0     0       —       -100%         0.00%\n", // no calls: no rate
			"  USIM OTA   980     —          40        +40%\n",                // failures unknown while ota_flow was out
			"오류 큐(Error Queue) 재처리",
		}},
		{format: "text", lang: "en", edits: []func(*table.Day){agenciesDown}, want: []string{
			"Hour 01:00–02:00 · Outside agencies: calls and error rate\n! MISSING: no data for this period\n! collector agency_calls: no data 01:00–02:00\n\nHour 01:00–02:00 · USIM OTA updates\n",
			"Today 00:00–02:00 · Outside agencies: calls and error rate\n! PARTIAL: a collector was down or stale during this period; figures may be low\n! collector agency_calls: no data 01:00–02:00\n",
			"  KAIT    2,400       1       0.04%      -48%             0.00%\n", // the day keeps 00:00's calls
		}},
		{format: "markdown", lang: "ko", edits: []func(*table.Day){agenciesDown}, want: []string{
			"**시간 실적 01:00–02:00 · 대외기관 호출·오류율**\n\n> ⚠️ **데이터 없음: 이 기간의 데이터가 없습니다**\n> 수집기 agency\\_calls: 데이터 없음 01:00–02:00\n\n**시간 실적 01:00–02:00 · USIM OTA 업데이트**",
			"| 대외기관 | 호출 | 오류 | 오류율 | 11-25 대비 | 11-25 오류율 |\n|---|--:|--:|--:|--:|--:|\n| SGI 서울보증 | 1,180 | 6 | 0.51% | -66% | 0.20% |\n",
			"| 사유 | 재처리 성공 | 재처리 실패 | 재처리 포기 | 02:00 잔여 | 11-25 대비 |",
			"| **합계** | 37 | 5 | 1 | 9 | +68% |\n",   // a total row is bold
			"| USIM OTA | 1,390 | 3 | 40 | +39% |\n", // OTA's one line is not a total
		}},
		{format: "html", lang: "ko", edits: []func(*table.Day){agenciesDown}, want: []string{
			"<section class=\"missing\">\n<h2>시간 실적 01:00–02:00 · 대외기관 호출·오류율</h2>\n<p class=\"note\">데이터 없음: 이 기간의 데이터가 없습니다</p>\n<p class=\"note\">수집기 agency_calls: 데이터 없음 01:00–02:00</p>\n</section>",
			"<tr><td>모빈스</td><td>900</td><td>0</td><td>0.00%</td><td>-40%</td><td>0.20%</td></tr>",
			"<tr class=\"total\"><td>합계</td><td>37</td>",
			"<tr><td>USIM OTA</td><td>1,390</td>",
		}},
		{format: "csv", lang: "ko", edits: []func(*table.Day){agenciesDown}, want: []string{
			"hour,2026-11-26T01:00:00+09:00,2026-11-26T02:00:00+09:00,missing,,,,,,,,,,,,agencies,TOTAL,,,,,,,,,,,,,,\n",
			"day,2026-11-26T00:00:00+09:00,2026-11-26T02:00:00+09:00,partial,,,,,,,,-0.4783,,,,agencies,kait,2400,1,0.0004,4600,0.0000,",
		}},
		{format: "json", lang: "ko", edits: []func(*table.Day){agenciesDown}, want: []string{
			"\"table\": \"agencies\",\n          \"status\": \"missing\",\n          \"baseline_status\": \"complete\",\n          \"gaps\": [\n            {\n              \"collector\": \"agency_calls\",",
			"\"lines\": [],\n          \"total\": null",
		}},
	} {
		t.Run(tc.format+"/"+tc.lang, func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, tc.format, tc.lang, fixture(t, tc.edits...)); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, s := range tc.want {
				if !strings.Contains(out, s) {
					t.Errorf("lacks %q:\n%s", s, out)
				}
			}
			for _, s := range []string{"NaN", "Inf"} {
				if strings.Contains(out, s) {
					t.Errorf("has %q:\n%s", s, out)
				}
			}
		})
	}
}

func TestMachineSchema(t *testing.T) {
	boardKeys := []string{
		"calls", "failed_calls", "error_ratio", "baseline_calls", "baseline_error_ratio",
		"ota_completed", "ota_failed", "ota_pending", "baseline_ota_completed",
		"reprocessed", "reprocess_failed", "given_up", "backlog", "baseline_reprocessed",
	}
	results := []string{"total", "insured", "baseline_total", "change_ratio", "top", "port_in_requests", "port_out_requests", "table", "name"}
	t.Run("csv columns never move", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			rep   table.Report
			kinds []string
		}{
			{"with kinds", fixture(t), []string{"device_change", "new", "port_in"}},
			{"missing report", table.Unavailable(time.Date(2026, 11, 26, 10, 0, 0, 0, kst), nil), nil},
			{"agencies missing", fixture(t, agenciesDown), []string{"device_change", "new", "port_in"}},
		} {
			var b bytes.Buffer
			if err := Render(&b, "csv", "ko", tc.rep); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(&b).ReadAll() // also checks every line has the header's width
			if err != nil {
				t.Fatal(err)
			}
			want := append(append([]string{"period", "from", "to", "status", "model"}, tc.kinds...), append(results, boardKeys...)...)
			if !slices.Equal(recs[0], want) {
				t.Errorf("%s: header\n %q\nwant\n %q", tc.name, recs[0], want)
			}
		}
	})
	t.Run("json keys", func(t *testing.T) {
		var b bytes.Buffer
		if err := Render(&b, "json", "ko", fixture(t)); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Sections []struct {
				Boards []struct {
					Table string
					Lines []map[string]any
					Total map[string]any
				}
			}
		}
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{
			"agencies":    {"baseline_calls", "baseline_error_ratio", "calls", "change_ratio", "error_ratio", "failed_calls", "name"},
			"ota":         {"baseline_ota_completed", "change_ratio", "name", "ota_completed", "ota_failed", "ota_pending"},
			"error_queue": {"backlog", "baseline_reprocessed", "change_ratio", "given_up", "name", "reprocess_failed", "reprocessed"},
		}
		if len(doc.Sections) != 2 {
			t.Fatalf("%d sections, want hour and day", len(doc.Sections))
		}
		for _, s := range doc.Sections {
			var tables []string
			for _, bd := range s.Boards {
				tables = append(tables, bd.Table)
				lines := bd.Lines
				if bd.Total != nil {
					lines = append(lines, bd.Total)
				}
				for _, l := range lines {
					if keys := slices.Sorted(maps.Keys(l)); !slices.Equal(keys, want[bd.Table]) {
						t.Errorf("%s line keys %q, want %q", bd.Table, keys, want[bd.Table])
					}
					for k, v := range l {
						if _, isNum := v.(float64); !(isNum || v == nil || (k == "name" && v != nil)) {
							t.Errorf("%s %s = %#v: want a number or null", bd.Table, k, v)
						}
					}
				}
			}
			if !slices.Equal(tables, []string{"agencies", "ota", "error_queue"}) {
				t.Errorf("boards %q", tables)
			}
		}
	})
}
