package snapshot

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/exporter/result"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// seriesResult builds a result of n series shaped like the war-room's:
// a few labels per series.
func seriesResult(n int) *result.Result {
	desc := prometheus.NewDesc("kos_agency_calls_total", "Agency calls.", []string{"agency", "operation", "model"}, nil)
	ms := make([]prometheus.Metric, n)
	for i := range ms {
		ms[i] = prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(i),
			fmt.Sprintf("agency%d", i%7), fmt.Sprintf("op%d", i%13), fmt.Sprintf("model%d", i))
	}
	return &result.Result{Families: []result.Family{{Name: "kos_agency_calls_total", Help: "Agency calls.", Type: dto.MetricType_COUNTER, Metrics: written(ms)}}, Series: n}
}

func benchStore(b *testing.B, n int) (*Store, *httptest.Server) {
	b.Helper()
	s := New(time.Now)
	s.SetCollectors([]CollectorInfo{{Name: "big", Target: "kos", Staleness: time.Hour, Revision: "1"}})
	s.Publish("big", seriesResult(n), time.Millisecond)
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.Collector())
	srv := httptest.NewServer(s.Handler(reg, slog.New(slog.DiscardHandler)))
	b.Cleanup(srv.Close)
	return s, srv
}

// BenchmarkScrape measures one scrape of an unchanged snapshot over HTTP,
// as Prometheus does it (gzip), and uncompressed.
func BenchmarkScrape(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		for _, gz := range []bool{true, false} {
			b.Run(fmt.Sprintf("series=%d/gzip=%v", n, gz), func(b *testing.B) {
				_, srv := benchStore(b, n)
				client := srv.Client()
				get := func() {
					req, _ := httpNewRequest(srv.URL + "/metrics")
					if gz {
						req.Header.Set("Accept-Encoding", "gzip")
					}
					resp, err := client.Transport.RoundTrip(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				get() // first scrape renders
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					get()
				}
			})
		}
	}
}

// BenchmarkPublishAndRender measures the once-per-run cost: gathering a new
// result and encoding it for the next scrape.
func BenchmarkPublishAndRender(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("series=%d", n), func(b *testing.B) {
			s, srv := benchStore(b, n)
			r := seriesResult(n)
			b.ReportAllocs()
			for b.Loop() {
				s.Publish("big", r, time.Millisecond)
				req, _ := httpNewRequest(srv.URL + "/metrics")
				req.Header.Set("Accept-Encoding", "gzip")
				resp, err := srv.Client().Transport.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}

func httpNewRequest(url string) (*http.Request, error) { return http.NewRequest("GET", url, nil) }
