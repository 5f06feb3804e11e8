package query

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/report/internal/fakeprom"
	"github.com/kos-ops/kos_exporter/report/table"
)

var kst = time.FixedZone("KST", 9*3600)

func at(h, m int) time.Time { return time.Date(2026, 11, 26, h, m, 0, 0, kst) }

const rulesFile = "../../rules/recording.yaml"

func fake(t *testing.T, d fakeprom.Data) http.Handler {
	t.Helper()
	h, err := fakeprom.Handler(d, filepath.FromSlash(rulesFile))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func client(t *testing.T, h http.Handler, collectors ...string) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, collectors, "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// dump writes an hour's figures and gaps as sorted lines.
func dump(h table.Hour) []string {
	var out []string
	for k, n := range h.Activations {
		out = append(out, fmt.Sprintf("act %s/%s=%v", k.Model, k.Kind, n))
	}
	for m, n := range h.Insured {
		out = append(out, fmt.Sprintf("ins %s=%v", m, n))
	}
	for d, n := range h.Ports {
		out = append(out, fmt.Sprintf("port %s=%v", d, n))
	}
	for f, lines := range h.Board {
		for l, n := range lines {
			out = append(out, fmt.Sprintf("board %s %s=%v", f, l, n))
		}
	}
	slices.Sort(out)
	for _, g := range h.Gaps {
		out = append(out, fmt.Sprintf("gap %s %s %s %s–%s", g.Group, g.Collector, g.Reason, g.From.Format("15:04"), g.To.Format("15:04")))
	}
	return out
}

func TestDay(t *testing.T) {
	d := fakeprom.Data{
		Collectors: []string{"activations", "mnp", "other", "agency_calls", "ota", "ota_flow", "error_queue", "error_queue_flow"},
		Activations: []fakeprom.Activation{
			{At: at(0, 10), Model: "nova_x", Kind: "new"},
			{At: at(0, 20), Model: "nova_x", Kind: "new"},
			{At: at(1, 5), Model: "nova_x", Kind: "new", Insured: true},
			{At: at(2, 30), Model: "fold_z", Kind: "port_in"},
		},
		Ports: []fakeprom.Port{{At: at(0, 15), Direction: "in"}, {At: at(2, 59), Direction: "out"}},
		Counts: []fakeprom.Count{
			fakeprom.Inc(at(0, 10), "agency_calls", "kos_agency_calls_total", "agency", "sgi", "operation", "guarantee_issue", "result", "ok"),
			fakeprom.Inc(at(0, 50), "agency_calls", "kos_agency_calls_total", "agency", "sgi", "operation", "guarantee_issue", "result", "error"),
			fakeprom.Inc(at(1, 15), "agency_calls", "kos_agency_calls_total", "agency", "kait", "operation", "mnp_clearing", "result", "timeout"),
			fakeprom.Inc(at(2, 30), "agency_calls", "kos_agency_calls_total", "agency", "sgi", "operation", "guarantee_issue", "result", "ok"),
			fakeprom.Inc(at(0, 5), "ota_flow", "kos_ota_updates_total", "result", "completed"),
			fakeprom.Inc(at(1, 25), "ota_flow", "kos_ota_updates_total", "result", "failed"),
			fakeprom.Inc(at(2, 5), "ota_flow", "kos_ota_updates_total", "result", "completed"), // out at 03:00
			fakeprom.Inc(at(0, 20), "error_queue_flow", "kos_error_queue_reprocess_attempts_total", "reason", "ota", "result", "success"),
			fakeprom.Inc(at(1, 10), "error_queue_flow", "kos_error_queue_reprocess_attempts_total", "reason", "ota", "result", "failed"),
			fakeprom.Inc(at(2, 20), "error_queue_flow", "kos_error_queue_given_up_total", "reason", "sgi_guarantee"),
		},
		Levels: []fakeprom.Level{
			fakeprom.Set(at(0, 0), "ota", "kos_ota_updates_pending", 3),
			fakeprom.Set(at(0, 40), "ota", "kos_ota_updates_pending", 0),
			fakeprom.Set(at(2, 10), "ota", "kos_ota_updates_pending", 5),
			fakeprom.Set(at(0, 30), "error_queue", "kos_error_queue_depth", 2, "reason", "ota"),
			fakeprom.Set(at(1, 30), "error_queue", "kos_error_queue_depth", 4, "reason", "sgi_guarantee"),
			fakeprom.Set(at(1, 45), "error_queue", "kos_error_queue_depth", 0, "reason", "ota"),
		},
		Outages: []fakeprom.Outage{
			{Collector: "mnp", From: at(0, 30), To: at(0, 35)},                // not scraped
			{Collector: "mnp", From: at(0, 35), To: at(0, 40), Scraped: true}, // then failing
			{Collector: "activations", From: at(1, 50), To: at(2, 10), Scraped: true},
			{Collector: "activations", From: at(2, 55), To: at(3, 5)},         // not scraped at 03:00
			{Collector: "ota_flow", From: at(2, 55), To: at(3, 5)},            // the OTA counts too
			{Collector: "other", From: at(0, 0), To: at(3, 0), Scraped: true}, // not watched
		},
	}
	c := client(t, fake(t, d), "activations", "mnp", "ghost")
	day, err := c.Day(context.Background(), at(0, 0), 3)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{
			"act nova_x/new=2",
			"board backlog ota=2", "board calls sgi=2", "board failed_calls sgi=1",
			"board ota_completed =1", "board ota_pending =0", "board reprocessed ota=1",
			"port in=1",
			"gap results mnp no data 00:30–00:35", "gap results mnp not exposed 00:35–00:40",
			"gap results ghost no data 00:00–01:00",
		},
		{
			"act nova_x/new=1",
			"board backlog ota=0", "board backlog sgi_guarantee=4",
			"board calls kait=1", "board calls sgi=0", "board failed_calls kait=1", "board failed_calls sgi=0",
			"board ota_completed =0", "board ota_failed =1", "board ota_pending =0",
			"board reprocess_failed ota=1", "board reprocessed ota=0",
			"ins nova_x=1", "port in=0",
			"gap results activations not exposed 01:50–02:00", // a gap never straddles hh:00
			"gap results ghost no data 01:00–02:00",
		},
		{
			"board backlog ota=0", "board backlog sgi_guarantee=4",
			"board calls kait=0", "board calls sgi=1", "board failed_calls kait=0", "board failed_calls sgi=0",
			"board given_up sgi_guarantee=1", "board ota_pending =5", // no OTA counts: ota_flow not scraped at 03:00
			"board reprocess_failed ota=0", "board reprocessed ota=0",
			"port in=0", "port out=1", // the activations rule has no value at 03:00: nothing, not zeros
			"gap results activations not exposed 02:00–02:10", "gap results activations no data 02:55–03:00",
			"gap results ghost no data 02:00–03:00",
			"gap ota ota_flow no data 02:55–03:00",
		},
	}
	if !day.Start.Equal(at(0, 0)) || len(day.Hours) != len(want) {
		t.Fatalf("day from %v with %d hours, want %v with %d", day.Start, len(day.Hours), at(0, 0), len(want))
	}
	for i, h := range day.Hours {
		if !h.Start.Equal(at(i, 0)) {
			t.Errorf("hour %d starts %v", i, h.Start)
		}
		if got := dump(h); !slices.Equal(got, want[i]) {
			t.Errorf("hour %d:\n got %q\nwant %q", i, got, want[i])
		}
	}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name       string
		collectors []string
		want       string
	}{
		{"no collectors", nil, "no collectors to check"},
		{"quote", []string{"mnp", `a"b`}, `invalid collector name "a\"b"`},
		{"backslash", []string{`a\b`}, `invalid collector name "a\\b"`},
		{"not UTF-8", []string{"\xff"}, `invalid collector name "\xff"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New("http://prom:9090", tc.collectors, ""); err == nil || err.Error() != tc.want {
				t.Errorf("New error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCoverageQuery(t *testing.T) {
	got := CoverageQuery([]string{"activations", "mnp"})
	want := `max by (collector) (min_over_time(kos_exporter_collector_exposed{collector=~"activations|mnp"}[1m]))`
	if got != want {
		t.Errorf("CoverageQuery = %s, want %s", got, want)
	}
}

func TestDayErrors(t *testing.T) {
	rules := fake(t, fakeprom.Data{Collectors: []string{"mnp"}})
	answer := func(body string) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/api/v1/rules", rules)
		mux.HandleFunc("/api/v1/query_range", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(body))
		})
		return mux
	}
	for _, tc := range []struct {
		name string
		h    http.Handler
		want string
	}{
		{
			name: "rules not loaded",
			h: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Write([]byte(`{"status":"success","data":{"groups":[]}}`))
			}),
			want: "recording rule model_kind:kos_activations:increase1h is not loaded in Prometheus at URL (load rules/recording.yaml)",
		},
		{
			name: "not a matrix",
			h:    answer(`{"status":"success","data":{"resultType":"vector","result":[]}}`),
			want: "querying Prometheus at URL: want a matrix, got vector",
		},
		{
			name: "sample outside the range",
			h:    answer(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1000,"1"]]}]}}`),
			want: "querying Prometheus at URL: sample at 1970-01-01 00:16:40 +0000 UTC outside",
		},
		{
			name: "query refused",
			h:    answer(`{"status":"error","errorType":"bad_data","error":"parse error"}`),
			want: "querying Prometheus at URL: bad_data: parse error",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.h)
			defer srv.Close()
			c, err := New(srv.URL, []string{"mnp"}, "")
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Day(context.Background(), at(0, 0), 2)
			if want := strings.ReplaceAll(tc.want, "URL", srv.URL); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Day error %v, want %q", err, want)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		c, err := New("http://127.0.0.1:1", []string{"mnp"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Day(context.Background(), at(0, 0), 1); err == nil || !strings.Contains(err.Error(), "reading recording rules from Prometheus at http://127.0.0.1:1") {
			t.Errorf("Day error %v", err)
		}
	})
}
