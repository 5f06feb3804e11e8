package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/report/internal/fakeprom"
)

var seoul = mustZone("Asia/Seoul")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// fakeClock jumps instead of sleeping and ends the run at stop.
type fakeClock struct{ now, stop time.Time }

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	if c.now.Add(d).After(c.stop) {
		return context.Canceled
	}
	c.now = c.now.Add(d)
	return nil
}

// simulate makes a launch day's completed activations, MNP requests and
// war-room board events (agency calls, OTA updates and pending levels,
// error-queue reprocessing and depths) for two days, at random seconds
// inside each hour from 00:00 to 12:00.
func simulate() fakeprom.Data {
	r := rand.New(rand.NewPCG(7, 11))
	models := []string{"nova_x_pro", "nova_x", "fold_z", "tab_s"}
	kinds := []string{"new", "port_in", "device_change"}
	agencies := [][2]string{{"sgi", "guarantee_issue"}, {"kait", "mnp_clearing"}, {"kait", "insurance_precheck"}, {"mobins", "insurance_signup"}, {"nice", "identity_check"}}
	callResults := []string{"ok", "ok", "ok", "ok", "ok", "ok", "error", "timeout"}
	reasons := []string{"sgi_guarantee", "mnp_opening", "product_call", "ota"}
	d := fakeprom.Data{Collectors: []string{"activations", "mnp", "agency_calls", "ota", "ota_flow", "error_queue", "error_queue_flow"}}
	for _, day := range []time.Time{time.Date(2026, 11, 25, 0, 0, 0, 0, seoul), time.Date(2026, 11, 26, 0, 0, 0, 0, seoul)} {
		for h := range 12 {
			in := func() time.Time {
				return day.Add(time.Duration(h)*time.Hour + time.Duration(1+r.IntN(3598))*time.Second)
			}
			for range r.IntN(40) + 5*h {
				d.Activations = append(d.Activations, fakeprom.Activation{
					At: in(), Model: models[r.IntN(len(models)-h%2)], Kind: kinds[r.IntN(len(kinds))], Insured: r.IntN(3) == 0,
				})
			}
			for range r.IntN(20) {
				d.Ports = append(d.Ports, fakeprom.Port{At: in(), Direction: []string{"in", "out"}[r.IntN(2)]})
			}
			for range r.IntN(30) + 10 {
				a := agencies[r.IntN(len(agencies))]
				d.Counts = append(d.Counts, fakeprom.Inc(in(), "agency_calls", "kos_agency_calls_total", "agency", a[0], "operation", a[1], "result", callResults[r.IntN(len(callResults))]))
			}
			for range r.IntN(20) {
				d.Counts = append(d.Counts, fakeprom.Inc(in(), "ota_flow", "kos_ota_updates_total", "result", []string{"completed", "completed", "completed", "failed"}[r.IntN(4)]))
			}
			for range r.IntN(10) {
				reason := reasons[r.IntN(len(reasons))]
				if r.IntN(8) == 0 {
					d.Counts = append(d.Counts, fakeprom.Inc(in(), "error_queue_flow", "kos_error_queue_given_up_total", "reason", reason))
					continue
				}
				d.Counts = append(d.Counts, fakeprom.Inc(in(), "error_queue_flow", "kos_error_queue_reprocess_attempts_total", "reason", reason, "result", []string{"success", "success", "failed"}[r.IntN(3)]))
			}
			for range 3 {
				d.Levels = append(d.Levels, fakeprom.Set(in(), "ota", "kos_ota_updates_pending", float64(r.IntN(15))))
				d.Levels = append(d.Levels, fakeprom.Set(in(), "error_queue", "kos_error_queue_depth", float64(r.IntN(9)), "reason", reasons[r.IntN(len(reasons))]))
			}
		}
	}
	return d
}

func serve(t *testing.T, d fakeprom.Data) string {
	t.Helper()
	h, err := fakeprom.Handler(d, filepath.Join("..", "..", "..", "rules", "recording.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func runReport(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	clock := &fakeClock{now: time.Date(2026, 11, 26, 11, 30, 0, 0, seoul)}
	code := run(context.Background(), args, &stdout, &stderr, clock)
	return code, stdout.String(), stderr.String()
}

// expected counts the simulated rows in [from, to) independently of the
// code under test: per model and kind, insured per model, ports per direction.
type expected struct {
	byModelKind map[[2]string]int
	insured     map[string]int
	total       int
	ports       map[string]int
}

func count(d fakeprom.Data, from, to time.Time) expected {
	e := expected{byModelKind: map[[2]string]int{}, insured: map[string]int{}, ports: map[string]int{}}
	for _, a := range d.Activations {
		if a.At.Before(from) || !a.At.Before(to) {
			continue
		}
		e.byModelKind[[2]string{a.Model, a.Kind}]++
		e.total++
		if a.Insured {
			e.insured[a.Model]++
		}
	}
	for _, p := range d.Ports {
		if !p.At.Before(from) && p.At.Before(to) {
			e.ports[p.Direction]++
		}
	}
	return e
}

// boardCounts counts the simulated board events in [from, to) and reads the
// levels at to, independently of the code under test: per CSV table, line
// name and column; agency and error-queue lines also add up to TOTAL.
func boardCounts(d fakeprom.Data, from, to time.Time) map[string]map[string]map[string]int {
	b := map[string]map[string]map[string]int{"agencies": {}, "ota": {}, "error_queue": {}}
	add := func(table, name, col string, n int) {
		names := []string{name}
		if table != "ota" {
			names = append(names, "TOTAL")
		}
		for _, nm := range names {
			if b[table][nm] == nil {
				b[table][nm] = map[string]int{}
			}
			b[table][nm][col] += n
		}
	}
	for _, c := range d.Counts {
		if c.At.Before(from) || !c.At.Before(to) {
			continue
		}
		l := c.Labels
		switch c.Metric {
		case "kos_agency_calls_total":
			add("agencies", l["agency"], "calls", 1)
			if l["result"] != "ok" {
				add("agencies", l["agency"], "failed_calls", 1)
			}
		case "kos_ota_updates_total":
			add("ota", "", "ota_"+l["result"], 1)
		case "kos_error_queue_reprocess_attempts_total":
			add("error_queue", l["reason"], map[string]string{"success": "reprocessed", "failed": "reprocess_failed"}[l["result"]], 1)
		case "kos_error_queue_given_up_total":
			add("error_queue", l["reason"], "given_up", 1)
		}
	}
	last := map[string]fakeprom.Level{}
	for _, l := range d.Levels {
		k := l.Metric + fmt.Sprint(l.Labels)
		if !l.At.After(to) && !l.At.Before(last[k].At) {
			last[k] = l
		}
	}
	for _, l := range last {
		switch l.Metric {
		case "kos_ota_updates_pending":
			add("ota", "", "ota_pending", int(l.Value))
		case "kos_error_queue_depth":
			add("error_queue", l.Labels["reason"], "backlog", int(l.Value))
		}
	}
	return b
}

func parseCSV(t *testing.T, out string) []map[string]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, out)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		rows = append(rows, m)
	}
	return rows
}

func TestTableEqualsSimulatedRows(t *testing.T) {
	d := simulate()
	url := serve(t, d)
	code, out, stderr := runReport(t, "--prometheus.url", url, "--tz", "Asia/Seoul", "--hour", "2026-11-26T10", "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rows := parseCSV(t, out)
	periods := map[string][2]time.Time{
		"hour": {time.Date(2026, 11, 26, 10, 0, 0, 0, seoul), time.Date(2026, 11, 26, 11, 0, 0, 0, seoul)},
		"day":  {time.Date(2026, 11, 26, 0, 0, 0, 0, seoul), time.Date(2026, 11, 26, 11, 0, 0, 0, seoul)},
	}
	for period, span := range periods {
		t.Run(period, func(t *testing.T) {
			want := count(d, span[0], span[1])
			base := count(d, span[0].AddDate(0, 0, -1), span[1].AddDate(0, 0, -1))
			models := 0
			for _, row := range rows {
				if row["period"] != period || row["table"] != "results" {
					continue
				}
				if row["status"] != "complete" {
					t.Errorf("status %q, want complete", row["status"])
				}
				m := row["model"]
				if m == "TOTAL" {
					checkInt(t, "TOTAL total", row["total"], want.total)
					checkInt(t, "TOTAL baseline", row["baseline_total"], base.total)
					checkInt(t, "port-in", row["port_in_requests"], want.ports["in"])
					checkInt(t, "port-out", row["port_out_requests"], want.ports["out"])
					for _, kind := range []string{"new", "port_in", "device_change"} {
						n := 0
						for k, c := range want.byModelKind {
							if k[1] == kind {
								n += c
							}
						}
						checkInt(t, "TOTAL "+kind, row[kind], n)
					}
					continue
				}
				models++
				modelTotal, baseTotal := 0, 0
				for _, kind := range []string{"new", "port_in", "device_change"} {
					checkInt(t, m+" "+kind, row[kind], want.byModelKind[[2]string{m, kind}])
					modelTotal += want.byModelKind[[2]string{m, kind}]
					baseTotal += base.byModelKind[[2]string{m, kind}]
				}
				checkInt(t, m+" total", row["total"], modelTotal)
				checkInt(t, m+" insured", row["insured"], want.insured[m])
				checkInt(t, m+" baseline", row["baseline_total"], baseTotal)
			}
			if models == 0 {
				t.Fatalf("no model rows in %s:\n%s", period, out)
			}
		})
	}
	t.Run("board", func(t *testing.T) {
		columns := map[string][]string{
			"agencies":    {"calls", "failed_calls"},
			"ota":         {"ota_completed", "ota_failed", "ota_pending"},
			"error_queue": {"reprocessed", "reprocess_failed", "given_up", "backlog"},
		}
		main := map[string]string{"agencies": "calls", "ota": "ota_completed", "error_queue": "reprocessed"}
		for period, span := range periods {
			want := boardCounts(d, span[0], span[1])
			base := boardCounts(d, span[0].AddDate(0, 0, -1), span[1].AddDate(0, 0, -1))
			seen := map[string]map[string]bool{}
			for _, row := range rows {
				tbl := row["table"]
				if row["period"] != period || tbl == "results" {
					continue
				}
				if row["status"] != "complete" {
					t.Errorf("%s %s status %q, want complete", period, tbl, row["status"])
				}
				if seen[tbl] == nil {
					seen[tbl] = map[string]bool{}
				}
				seen[tbl][row["name"]] = true
				for _, col := range columns[tbl] {
					checkInt(t, period+" "+tbl+" "+row["name"]+" "+col, row[col], want[tbl][row["name"]][col])
				}
				if tbl != "ota" || row["name"] == "" {
					checkInt(t, period+" "+tbl+" "+row["name"]+" baseline", row["baseline_"+main[tbl]], base[tbl][row["name"]][main[tbl]])
				}
			}
			for tbl, lines := range want {
				for name := range lines {
					if !seen[tbl][name] {
						t.Errorf("%s %s: no line %q in the CSV", period, tbl, name)
					}
				}
			}
			for _, name := range []string{"sgi", "kait"} {
				if !seen["agencies"][name] {
					t.Errorf("%s: agency %s not shown", period, name)
				}
			}
		}
	})
	t.Run("top models are the largest", func(t *testing.T) {
		var tops []string
		for _, row := range rows {
			if row["period"] == "hour" && row["table"] == "results" && row["top"] != "0" && row["model"] != "TOTAL" {
				tops = append(tops, row["top"]+":"+row["model"])
			}
		}
		if len(tops) != 3 {
			t.Fatalf("top rows %v, want 3", tops)
		}
		want := count(d, periods["hour"][0], periods["hour"][1])
		totals := map[string]int{}
		for k, c := range want.byModelKind {
			totals[k[0]] += c
		}
		models := make([]string, 0, len(totals))
		for m := range totals {
			models = append(models, m)
		}
		slices.SortFunc(models, func(a, b string) int {
			if totals[a] != totals[b] {
				return totals[b] - totals[a]
			}
			return strings.Compare(a, b)
		})
		for i, m := range models[:3] {
			if tops[i] != strconv.Itoa(i+1)+":"+m {
				t.Errorf("top %d = %s, want %s", i+1, tops[i], m)
			}
		}
	})
}

func checkInt(t *testing.T, what, got string, want int) {
	t.Helper()
	if got != strconv.Itoa(want) {
		t.Errorf("%s = %q, want %d", what, got, want)
	}
}

func TestPartialAndMissingHours(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 11, 26, h, m, 0, 0, seoul) }
	for _, tc := range []struct {
		name    string
		outages []fakeprom.Outage
		status  map[string]string // hour status by CSV table; complete when absent
		text    []string          // substrings of the English text rendering
		notText []string
	}{
		{
			name:    "collector failing for ten minutes",
			outages: []fakeprom.Outage{{Collector: "activations", From: at(10, 20), To: at(10, 30), Scraped: true}},
			status:  map[string]string{"results": "partial"},
			text:    []string{"PARTIAL", "collector activations: not exposed 10:20–10:30"},
		},
		{
			name:    "exporter not scraped for a while",
			outages: []fakeprom.Outage{{Collector: "mnp", From: at(10, 40), To: at(10, 45)}},
			status:  map[string]string{"results": "partial"},
			text:    []string{"PARTIAL", "collector mnp: no data 10:40–10:45"},
		},
		{
			name: "nothing scraped all hour",
			outages: []fakeprom.Outage{
				{Collector: "activations", From: at(9, 59), To: at(11, 5)},
				{Collector: "mnp", From: at(9, 59), To: at(11, 5)},
			},
			status:  map[string]string{"results": "missing"},
			text:    []string{"MISSING: no data for this period"},
			notText: []string{"Model"}, // no results table; the board's are there
		},
		{
			name:    "agency collector failing: only the agency table is partial",
			outages: []fakeprom.Outage{{Collector: "agency_calls", From: at(10, 20), To: at(10, 30), Scraped: true}},
			status:  map[string]string{"agencies": "partial"},
			text:    []string{"Outside agencies: calls and error rate\n! PARTIAL: a collector was down or stale during this period; figures may be low\n! collector agency_calls: not exposed 10:20–10:30\n"},
		},
		{
			name: "error queue not scraped all hour: its table is missing, the rest complete",
			outages: []fakeprom.Outage{
				{Collector: "error_queue", From: at(9, 59), To: at(11, 5)},
				{Collector: "error_queue_flow", From: at(9, 59), To: at(11, 5)},
			},
			status: map[string]string{"error_queue": "missing"},
			text:   []string{"Error queue reprocessing\n! MISSING: no data for this period\n! collector error_queue: no data 10:00–11:00\n! collector error_queue_flow: no data 10:00–11:00\n\n"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := simulate()
			d.Outages = tc.outages
			url := serve(t, d)
			code, out, stderr := runReport(t, "--prometheus.url", url, "--tz", "Asia/Seoul", "--hour", "10", "--format", "csv")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, row := range parseCSV(t, out) {
				if row["period"] != "hour" {
					continue
				}
				want := cmp.Or(tc.status[row["table"]], "complete")
				if row["status"] != want {
					t.Errorf("hour %s status %q, want %q", row["table"], row["status"], want)
				}
				if want == "missing" && (row["name"] != "TOTAL" || row["total"] != "" || row["calls"] != "" || row["reprocessed"] != "") {
					t.Errorf("missing hour has figures: %v", row)
				}
			}
			_, text, _ := runReport(t, "--prometheus.url", url, "--tz", "Asia/Seoul", "--hour", "10", "--lang", "en")
			hour, _, _ := strings.Cut(text, "Today 00:00–11:00\n")
			for _, s := range tc.text {
				if !strings.Contains(hour, s) {
					t.Errorf("hour section lacks %q:\n%s", s, text)
				}
			}
			for _, s := range tc.notText {
				if strings.Contains(hour, s) {
					t.Errorf("hour section has %q:\n%s", s, text)
				}
			}
		})
	}
}

func TestBadFlagsAndUnreachablePrometheus(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown format", []string{"--format", "pdf"}, exitUsage, "enum value must be one of text,markdown,csv,html,json, got 'pdf'"},
		{"unknown language", []string{"--lang", "jp"}, exitUsage, "enum value must be one of ko,en, got 'jp'"},
		{"unknown flag", []string{"--hours", "3"}, exitUsage, "unknown long flag '--hours'"},
		{"bad zone", []string{"--tz", "Mars/Olympus"}, exitUsage, "--tz: unknown time zone Mars/Olympus"},
		{"every other than 1h", []string{"--every", "30m", "--webhook.url", "http://x"}, exitUsage, "--every 30m0s: only 1h is supported"},
		{"every without webhook", []string{"--every", "1h"}, exitUsage, "--every needs --webhook.url or --webhook.url-file"},
		{"every with a baseline typo", []string{"--every", "1h", "--webhook.url", "http://x", "--baseline", "yesterdy"}, exitUsage, `--baseline: "yesterdy": want "yesterday", "none" or YYYY-MM-DD`},
		{"webhook URL twice", []string{"--webhook.url", "http://x", "--webhook.url-file", "url"}, exitUsage, "--webhook.url and --webhook.url-file are mutually exclusive"},
		{"webhook URL file missing", []string{"--webhook.url-file", "/nonexistent/url"}, exitUsage, "--webhook.url-file: webhook URL file: open /nonexistent/url: no such file or directory"},
		{"HTTP config missing", []string{"--prometheus.http-config-file", "/nonexistent/http.yml"}, exitUsage, "HTTP client config /nonexistent/http.yml: open /nonexistent/http.yml: no such file or directory"},
		{"hour not ended", []string{"--tz", "Asia/Seoul", "--hour", "11"}, exitUsage, "2026-11-26 11:00–12:00 has not ended yet"},
		{"garbled hour", []string{"--hour", "ten"}, exitUsage, `--hour: "ten": want "last", "HH" or "YYYY-MM-DDTHH"`},
		{"baseline after day", []string{"--tz", "Asia/Seoul", "--hour", "10", "--baseline", "2026-11-27"}, exitUsage, "2026-11-27 is not before the reported day 2026-11-26"},
		{"at-minute out of range", []string{"--at-minute", "60"}, exitUsage, "--at-minute 60 not in 0..59"},
		{"unreachable Prometheus", []string{"--prometheus.url", "http://127.0.0.1:1", "--hour", "last"}, exitPrometheus, "reading recording rules from Prometheus at http://127.0.0.1:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runReport(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.stderr)
			}
		})
	}
	t.Run("rules not loaded", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Write([]byte(`{"status":"success","data":{"groups":[]}}`))
		}))
		defer srv.Close()
		code, _, stderr := runReport(t, "--prometheus.url", srv.URL)
		if code != exitPrometheus || !strings.Contains(stderr, "recording rule model_kind:kos_activations:increase1h is not loaded") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
}

// webhook records the messages it receives.
type webhook struct {
	mu   sync.Mutex
	msgs []map[string]string
}

func (h *webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m map[string]string
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, m)
}

func (h *webhook) hours() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, m := range h.msgs {
		out = append(out, m["hour"][11:13]+"/"+m["status"])
	}
	return out
}

func TestEveryHourOnceAcrossRestart(t *testing.T) {
	url := serve(t, simulate())
	hook := &webhook{}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	stateFile := filepath.Join(t.TempDir(), "state.json")
	args := []string{"--prometheus.url", url, "--tz", "Asia/Seoul", "--every", "1h", "--webhook.url", srv.URL, "--state.file", stateFile, "--log.level", "error"}
	at := func(h, m int) time.Time { return time.Date(2026, 11, 26, h, m, 0, 0, seoul) }
	for _, span := range [][2]time.Time{
		{at(10, 30), at(12, 10)}, // sends 09 (the latest finished hour) at start, 10, 11
		{at(12, 1), at(12, 20)},  // restarted before 12:02: nothing new to send
		{at(12, 20), at(12, 59)}, // restarted: 11 was sent, 12 is not due
	} {
		var stderr bytes.Buffer
		if code := run(context.Background(), args, &bytes.Buffer{}, &stderr, &fakeClock{now: span[0], stop: span[1]}); code != 0 {
			t.Fatalf("run from %s: exit %d: %s", span[0].Format("15:04"), code, stderr.String())
		}
	}
	want := []string{"09/complete", "10/complete", "11/complete"}
	if got := hook.hours(); !slices.Equal(got, want) {
		t.Errorf("webhook got hours %v, want %v", got, want)
	}
	if !strings.Contains(hook.msgs[1]["text"], "| **합계** |") || !strings.Contains(hook.msgs[1]["text"], "대외기관 호출·오류율") {
		t.Errorf("message text is not the Markdown table:\n%s", hook.msgs[1]["text"])
	}
}

func TestEveryHourPrometheusDownIsSentMissing(t *testing.T) {
	hook := &webhook{}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	args := []string{"--prometheus.url", "http://127.0.0.1:1", "--tz", "Asia/Seoul", "--every", "1h", "--webhook.url", srv.URL,
		"--state.file", filepath.Join(t.TempDir(), "state.json"), "--log.level", "error"}
	clock := &fakeClock{now: time.Date(2026, 11, 26, 11, 2, 0, 0, seoul), stop: time.Date(2026, 11, 26, 11, 30, 0, 0, seoul)}
	if code := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{}, clock); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got := hook.hours(); !slices.Equal(got, []string{"10/missing"}) {
		t.Fatalf("webhook got %v, want one missing hour 10", got)
	}
	text := hook.msgs[0]["text"]
	if !strings.Contains(text, "데이터 없음") || !strings.Contains(text, "127.0.0.1:1") || strings.Contains(text, "| 0 |") {
		t.Errorf("missing hour not marked, or sent as zeros:\n%s", text)
	}
}

func TestPrometheusBehindAuth(t *testing.T) {
	h, err := fakeprom.Handler(simulate(), filepath.Join("..", "..", "..", "rules", "recording.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "report" || p != "s3cret" {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	config := filepath.Join(t.TempDir(), "http.yml")
	if err := os.WriteFile(config, []byte("basic_auth: {username: report, password: s3cret}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"without HTTP config", nil, exitPrometheus, "Prometheus at " + srv.URL + ": answered 401 Unauthorized: credentials missing or refused"},
		{"with HTTP config", []string{"--prometheus.http-config-file", config}, exitOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--prometheus.url", srv.URL, "--tz", "Asia/Seoul", "--hour", "10", "--format", "csv"}, tc.args...)
			code, out, stderr := runReport(t, args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.stderr)
			}
			if code == exitOK && !strings.Contains(out, "TOTAL") {
				t.Errorf("no table:\n%s", out)
			}
		})
	}
}

func TestWebhookURLFile(t *testing.T) {
	prom := serve(t, simulate())
	hook := &webhook{}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RequestURI() != "/hooks/abc?token=s3cret" {
			http.NotFound(w, r)
			return
		}
		hook.ServeHTTP(w, r)
	}))
	defer up.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // refused
	for _, tc := range []struct {
		name  string
		url   string
		hours []string // received by up
		log   string   // in stderr
	}{
		{"sent to the URL in the file", up.URL + "/hooks/abc?token=s3cret", []string{"10/complete"}, "Report sent"},
		{"failed send hides the URL", down.URL + "/hooks/abc?token=s3cret", nil, "Report not delivered"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hook.mu.Lock()
			hook.msgs = nil
			hook.mu.Unlock()
			dir := t.TempDir()
			urlFile := filepath.Join(dir, "webhook_url")
			if err := os.WriteFile(urlFile, []byte(tc.url+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			args := []string{"--prometheus.url", prom, "--tz", "Asia/Seoul", "--every", "1h", "--webhook.url-file", urlFile,
				"--webhook.attempts", "2", "--state.file", filepath.Join(dir, "state.json"), "--log.level", "debug"}
			clock := &fakeClock{now: time.Date(2026, 11, 26, 11, 2, 0, 0, seoul), stop: time.Date(2026, 11, 26, 11, 30, 0, 0, seoul)}
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), args, &stdout, &stderr, clock); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if got := hook.hours(); !slices.Equal(got, tc.hours) {
				t.Errorf("webhook got hours %v, want %v", got, tc.hours)
			}
			if !strings.Contains(stderr.String(), tc.log) {
				t.Errorf("stderr lacks %q:\n%s", tc.log, stderr.String())
			}
			for _, secret := range []string{"s3cret", "/hooks/abc"} {
				if strings.Contains(stdout.String()+stderr.String(), secret) {
					t.Errorf("output shows %q:\n%s%s", secret, stdout.String(), stderr.String())
				}
			}
		})
	}
}

// TestBoardZeroCallsAndAbsentSeries: KAIT makes no call at all (no series),
// SGI never fails (no error or timeout series), nothing reaches OTA or the
// error queue. Every format shows zeros, an unavailable error rate (never
// NaN or Inf) and English keys under the Korean default.
func TestBoardZeroCallsAndAbsentSeries(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 11, 26, h, m, 0, 0, seoul) }
	d := fakeprom.Data{
		Collectors:  []string{"activations", "mnp", "agency_calls", "ota", "ota_flow", "error_queue", "error_queue_flow"},
		Activations: []fakeprom.Activation{{At: at(10, 5), Model: "nova_x", Kind: "new"}},
		Counts: []fakeprom.Count{
			fakeprom.Inc(at(10, 10), "agency_calls", "kos_agency_calls_total", "agency", "sgi", "operation", "guarantee_issue", "result", "ok"),
			fakeprom.Inc(at(10, 20), "agency_calls", "kos_agency_calls_total", "agency", "sgi", "operation", "guarantee_issue", "result", "ok"),
		},
	}
	url := serve(t, d)
	for _, tc := range []struct {
		format string
		want   []string
	}{
		{"text", []string{
			"시간 실적 10:00–11:00 · 대외기관 호출·오류율\n  대외기관      호출  오류  오류율\n  SGI 서울보증     2     0   0.00%\n  KAIT             0     0       —\n",
			"  USIM OTA     0     0           0\n",
			"  사유  재처리 성공  재처리 실패  재처리 포기  11:00 잔여\n---------------------------------------------------------\n  합계            0            0            0           0\n",
		}},
		{"csv", []string{
			",agencies,sgi,2,0,0.0000,,,",
			",agencies,kait,0,0,,,,",
			",ota,,,,,,,0,0,0,,",
			",error_queue,TOTAL,,,,,,,,,,0,0,0,0,\n",
		}},
		{"json", []string{
			`"error_ratio": null,` + "\n              \"failed_calls\": 0,\n              \"name\": \"kait\"",
			`"ota_pending": 0`,
		}},
		{"markdown", []string{"| KAIT | 0 | 0 | — |\n"}},
		{"html", []string{"<tr><td>KAIT</td><td>0</td><td>0</td><td>—</td></tr>"}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			code, out, stderr := runReport(t, "--prometheus.url", url, "--tz", "Asia/Seoul", "--hour", "10", "--baseline", "none", "--format", tc.format)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
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
