package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
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

// simulate makes a launch day's completed activations and MNP requests for
// two days, at random seconds inside each hour from 00:00 to 12:00.
func simulate() fakeprom.Data {
	r := rand.New(rand.NewPCG(7, 11))
	models := []string{"nova_x_pro", "nova_x", "fold_z", "tab_s"}
	kinds := []string{"new", "port_in", "device_change"}
	d := fakeprom.Data{Collectors: []string{"activations", "mnp"}}
	for _, day := range []time.Time{time.Date(2026, 11, 25, 0, 0, 0, 0, seoul), time.Date(2026, 11, 26, 0, 0, 0, 0, seoul)} {
		for h := range 12 {
			for range r.IntN(40) + 5*h {
				at := day.Add(time.Duration(h)*time.Hour + time.Duration(1+r.IntN(3598))*time.Second)
				d.Activations = append(d.Activations, fakeprom.Activation{
					At: at, Model: models[r.IntN(len(models)-h%2)], Kind: kinds[r.IntN(len(kinds))], Insured: r.IntN(3) == 0,
				})
			}
			for range r.IntN(20) {
				dir := []string{"in", "out"}[r.IntN(2)]
				d.Ports = append(d.Ports, fakeprom.Port{At: day.Add(time.Duration(h)*time.Hour + time.Duration(1+r.IntN(3598))*time.Second), Direction: dir})
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
				if row["period"] != period {
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
	t.Run("top models are the largest", func(t *testing.T) {
		var tops []string
		for _, row := range rows {
			if row["period"] == "hour" && row["top"] != "0" && row["model"] != "TOTAL" {
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
		status  string
		text    []string // substrings of the text rendering
		notText []string
	}{
		{
			name:    "collector failing for ten minutes",
			outages: []fakeprom.Outage{{Collector: "activations", From: at(10, 20), To: at(10, 30), Scraped: true}},
			status:  "partial",
			text:    []string{"PARTIAL", "collector activations: not exposed 10:20–10:30"},
		},
		{
			name:    "exporter not scraped for a while",
			outages: []fakeprom.Outage{{Collector: "mnp", From: at(10, 40), To: at(10, 45)}},
			status:  "partial",
			text:    []string{"PARTIAL", "collector mnp: no data 10:40–10:45"},
		},
		{
			name: "nothing scraped all hour",
			outages: []fakeprom.Outage{
				{Collector: "activations", From: at(9, 59), To: at(11, 5)},
				{Collector: "mnp", From: at(9, 59), To: at(11, 5)},
			},
			status:  "missing",
			text:    []string{"MISSING: no data for this period"},
			notText: []string{"Total"},
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
				if row["period"] == "hour" && row["status"] != tc.status {
					t.Errorf("hour status %q, want %q", row["status"], tc.status)
				}
				if row["period"] == "hour" && tc.status == "missing" && (row["model"] != "TOTAL" || row["total"] != "") {
					t.Errorf("missing hour has figures: %v", row)
				}
			}
			_, text, _ := runReport(t, "--prometheus.url", url, "--tz", "Asia/Seoul", "--hour", "10")
			hour, _, _ := strings.Cut(text, "Today")
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
		{"unknown format", []string{"--format", "pdf"}, exitUsage, "enum value must be one of text,markdown,csv,html, got 'pdf'"},
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
	if !strings.Contains(hook.msgs[1]["text"], "| **Total** |") {
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
	if !strings.Contains(text, "MISSING") || !strings.Contains(text, "127.0.0.1:1") || strings.Contains(text, "| 0 |") {
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
