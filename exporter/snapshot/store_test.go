package snapshot

import (
	"bytes"
	"compress/gzip"
	"flag"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/exporter/result"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

var update = flag.Bool("update", false, "rewrite testdata/*.prom from the current output")

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var (
	activationsDesc = prometheus.NewDesc("kos_activations_total", "Activations today.", []string{"model"}, nil)
)

func activations(n map[string]float64) *result.Result {
	var ms []prometheus.Metric
	for _, model := range slices.Sorted(maps.Keys(n)) {
		ms = append(ms, prometheus.MustNewConstMetric(activationsDesc, prometheus.CounterValue, n[model], model))
	}
	return &result.Result{Families: []result.Family{{Name: "kos_activations_total", Help: "Activations today.", Type: dto.MetricType_COUNTER, Metrics: written(ms)}}, Series: len(ms)}
}

func newTestStore(t *testing.T) (*Store, *clock, http.Handler) {
	t.Helper()
	c := &clock{t: time.Unix(1_790_000_000, 0)}
	s := New(c.now)
	s.SetCollectors([]CollectorInfo{
		{Name: "activations_a", Target: "kos", Staleness: 45 * time.Second, Revision: "1"},
		{Name: "activations_b", Target: "kos", Staleness: 45 * time.Second, Revision: "1"},
		{Name: "queue", Target: "kos", Staleness: 45 * time.Second, Revision: "1"},
	})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(s.Collector())
	return s, c, s.Handler(reg, slog.New(slog.DiscardHandler))
}

func scrape(t *testing.T, h http.Handler, gz bool) string {
	t.Helper()
	req := httptest.NewRequest("GET", "/metrics", nil)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	body := rec.Body.Bytes()
	if gz {
		if rec.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("gzip asked, Content-Encoding %q", rec.Header().Get("Content-Encoding"))
		}
		r, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("gzip header: %v", err)
		}
		r.Multistream(false) // one member: strict readers must accept it too
		if body, err = io.ReadAll(r); err != nil {
			t.Fatalf("gzip body: %v", err)
		}
	}
	return string(body)
}

// dataLines drops the self-metrics whose values depend on run durations.
func dataLines(exposition string) string {
	var keep []string
	for _, l := range strings.Split(exposition, "\n") {
		if strings.Contains(l, "run_duration_seconds") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".prom")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("exposition differs from %s (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	if _, err := parser.TextToMetricFamilies(strings.NewReader(got)); err != nil {
		t.Errorf("%s is not valid text exposition: %v", path, err)
	}
}

func TestExposition(t *testing.T) {
	s, c, h := newTestStore(t)
	s.RunStarted("activations_a")
	s.Publish("activations_a", activations(map[string]float64{"iphone17": 120, "fold7": 7}), 20*time.Millisecond)
	s.RunStarted("activations_b")
	s.Publish("activations_b", activations(map[string]float64{"galaxy_s26": 80}), 10*time.Millisecond)
	s.RunStarted("queue")
	s.Fail("queue", result.ReasonTimeout, true, 5*time.Second)
	c.add(10 * time.Second)

	plain := scrape(t, h, false)
	golden(t, "merged_and_failed", dataLines(plain))
	if gz := scrape(t, h, true); gz != plain {
		t.Errorf("gzip body differs from plain body")
	}
}

func TestEmptyResultKeepsThePage(t *testing.T) {
	s, _, h := newTestStore(t)
	empty := &result.Result{Families: []result.Family{{Name: "kos_queue_depth", Help: "Queue depth.", Type: dto.MetricType_GAUGE}}}
	s.Publish("queue", empty, time.Millisecond)
	s.Publish("activations_b", activations(map[string]float64{"fold7": 7}), time.Millisecond)
	got := scrape(t, h, false) // fails on a non-200 answer
	if !strings.Contains(got, `kos_activations_total{model="fold7"} 7`) {
		t.Errorf("other collector's result missing:\n%s", got)
	}
}

func TestStaleResultsVanish(t *testing.T) {
	s, c, h := newTestStore(t)
	s.Publish("activations_a", activations(map[string]float64{"iphone17": 1}), time.Millisecond)
	c.add(44 * time.Second)
	if got := scrape(t, h, false); !strings.Contains(got, `kos_activations_total{model="iphone17"} 1`) {
		t.Fatalf("fresh result missing:\n%s", got)
	}
	c.add(2 * time.Second)
	got := scrape(t, h, true)
	if strings.Contains(got, "kos_activations_total{") {
		t.Errorf("result older than staleness still exposed")
	}
	for _, want := range []string{
		`kos_exporter_collector_exposed{collector="activations_a",target="kos"} 0`,
		`kos_exporter_collector_up{collector="activations_a",target="kos"} 1`,
		`kos_exporter_collector_data_age_seconds{collector="activations_a",target="kos"} 46`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s", want)
		}
	}
}

func TestFailureHidesPreviousResult(t *testing.T) {
	s, _, h := newTestStore(t)
	s.Publish("activations_a", activations(map[string]float64{"iphone17": 1}), time.Millisecond)
	s.Fail("activations_a", result.ReasonSQL, true, time.Millisecond)
	got := scrape(t, h, false)
	if strings.Contains(got, "kos_activations_total{") {
		t.Errorf("failed collector's previous result still exposed")
	}
	if !strings.Contains(got, `kos_exporter_collector_errors_total{collector="activations_a",reason="sql",target="kos"} 1`) {
		t.Errorf("error not counted:\n%s", got)
	}
}

func TestSkippedValuesCountedByReason(t *testing.T) {
	s, _, h := newTestStore(t)
	r := activations(map[string]float64{"iphone17": 1})
	r.Skipped = map[result.Skip]int{
		{Metric: "kos_activations_total", Column: "n", Reason: result.SkipNullValue}:     2,
		{Metric: "kos_queue_depth", Column: "depth", Reason: result.SkipNullValue}:       3,
		{Metric: "kos_activations_total", Column: "model", Reason: result.SkipNullLabel}: 1,
	}
	s.Publish("activations_a", r, 0)
	s.Publish("activations_a", r, 0)
	got := scrape(t, h, false)
	for _, want := range []string{
		`kos_exporter_collector_skipped_values_total{collector="activations_a",reason="null_value",target="kos"} 10`,
		`kos_exporter_collector_skipped_values_total{collector="activations_a",reason="null_label",target="kos"} 2`,
		`kos_exporter_collector_skipped_values_total{collector="activations_a",reason="duplicate",target="kos"} 0`,
		`kos_exporter_collector_skipped_values_total{collector="activations_b",reason="null_value",target="kos"} 0`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s", want)
		}
	}
}

func TestReady(t *testing.T) {
	s, _, _ := newTestStore(t)
	s.Publish("activations_a", activations(nil), 0)
	s.Fail("activations_b", result.ReasonConnect, false, 0)
	if s.Ready() {
		t.Fatal("ready before queue ran")
	}
	s.Fail("queue", result.ReasonConnect, false, 0)
	if !s.Ready() {
		t.Fatal("not ready after every collector ran once")
	}
}

func TestSetCollectorsKeepsUnchangedAndDropsChanged(t *testing.T) {
	s, _, h := newTestStore(t)
	s.Publish("activations_a", activations(map[string]float64{"iphone17": 1}), 0)
	s.Publish("activations_b", activations(map[string]float64{"fold7": 2}), 0)
	s.Fail("queue", result.ReasonSQL, true, 0)
	s.SetCollectors([]CollectorInfo{
		{Name: "activations_a", Target: "kos", Staleness: time.Minute, Revision: "1"},
		{Name: "activations_b", Target: "kos", Staleness: time.Minute, Revision: "2"},
	})
	got := scrape(t, h, false)
	if !strings.Contains(got, `model="iphone17"`) {
		t.Errorf("unchanged collector lost its result")
	}
	if strings.Contains(got, `model="fold7"`) {
		t.Errorf("changed collector still shows its old result")
	}
	if strings.Contains(got, `collector="queue"`) {
		t.Errorf("removed collector still has self-metrics")
	}
	if !strings.Contains(got, `kos_exporter_collector_errors_total{collector="activations_b",reason="sql",target="kos"} 0`) {
		t.Errorf("counters of a kept collector must stay (at zero for reasons never seen)")
	}
}

func TestRenderIsCachedUntilAResultChanges(t *testing.T) {
	s, _, h := newTestStore(t)
	s.Publish("activations_a", activations(map[string]float64{"iphone17": 1}), 0)
	scrape(t, h, true)
	format := string(expfmt.Negotiate(http.Header{}))
	first := s.rendered[format]
	if first == nil {
		t.Fatalf("no body rendered for %q", format)
	}
	scrape(t, h, true)
	if again := s.rendered[format]; again != first {
		t.Errorf("body re-rendered without any change")
	}
	s.Publish("activations_a", activations(map[string]float64{"iphone17": 2}), 0)
	if got := scrape(t, h, true); !strings.Contains(got, `kos_activations_total{model="iphone17"} 2`) {
		t.Errorf("new result not served:\n%s", got)
	}
}

func TestProtobufNegotiation(t *testing.T) {
	s, _, h := newTestStore(t)
	s.Publish("activations_a", activations(map[string]float64{"iphone17": 1}), 0)
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	dec := expfmt.NewDecoder(rec.Body, expfmt.ResponseFormat(rec.Header()))
	names := map[string]bool{}
	for {
		mf := &dto.MetricFamily{}
		if err := dec.Decode(mf); err != nil {
			if err == io.EOF {
				break
			}
			t.Fatalf("decode: %v", err)
		}
		names[mf.GetName()] = true
	}
	if !names["kos_activations_total"] || !names["kos_exporter_collector_up"] {
		t.Errorf("protobuf exposition lacks families: %v", names)
	}
}

// written converts client_golang metrics the way the mapper builds them.
func written(ms []prometheus.Metric) []*dto.Metric {
	out := make([]*dto.Metric, len(ms))
	for i, m := range ms {
		out[i] = &dto.Metric{}
		if err := m.Write(out[i]); err != nil {
			panic(err)
		}
	}
	return out
}
