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

// seriesResult builds a result of n series shaped like the war-room's,
// packed as the mapper packs them: a few labels per series.
func seriesResult(n int) *result.Result {
	f := result.Family{Name: "kos_agency_calls_total", Help: "Agency calls.", Type: dto.MetricType_COUNTER}
	f.Series.Layout = []result.Label{{Name: "agency", Index: 0}, {Name: "model", Index: 2}, {Name: "operation", Index: 1}}
	for i := range n {
		f.Series.Add(fmt.Sprintf("agency%d\xffop%d\xffmodel%d\xff", i%7, i%13, i), float64(i))
	}
	return &result.Result{Families: []result.Family{f}, Series: n}
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
// as Prometheus does it (gzip; zstd with its zstd-scrape feature), and
// uncompressed; wire-B/op is the size of the body sent.
func BenchmarkScrape(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		for _, enc := range []string{"gzip", "zstd", "identity"} {
			b.Run(fmt.Sprintf("series=%d/%s", n, enc), func(b *testing.B) {
				_, srv := benchStore(b, n)
				client := srv.Client()
				var size int64
				get := func() {
					req, _ := httpNewRequest(srv.URL + "/metrics")
					req.Header.Set("Accept-Encoding", enc)
					resp, err := client.Transport.RoundTrip(req)
					if err != nil {
						b.Fatal(err)
					}
					size, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				get() // first scrape renders
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					get()
				}
				b.ReportMetric(float64(size), "wire-B/op")
			})
		}
	}
}

// BenchmarkPublishAndRender measures the once-per-run cost: publishing a
// new result, which renders and compresses it in the encoding scrapes
// used, and the first scrape after it.
func BenchmarkPublishAndRender(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		for _, enc := range []string{"gzip", "zstd"} {
			b.Run(fmt.Sprintf("series=%d/%s", n, enc), func(b *testing.B) {
				benchPublish(b, n, enc)
			})
		}
	}
}

func benchPublish(b *testing.B, n int, enc string) {
	s, srv := benchStore(b, n)
	r := seriesResult(n)
	b.ReportAllocs()
	for b.Loop() {
		s.Publish("big", r, time.Millisecond)
		req, _ := httpNewRequest(srv.URL + "/metrics")
		req.Header.Set("Accept-Encoding", enc)
		resp, err := srv.Client().Transport.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func httpNewRequest(url string) (*http.Request, error) { return http.NewRequest("GET", url, nil) }
