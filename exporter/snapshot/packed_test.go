package snapshot

import (
	"bytes"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kos-ops/kos_exporter/exporter/result"
)

// packedResult is n gauge series packed as the mapper packs them, more than
// one chunk's worth when n > chunkSize.
func packedResult(n int) *result.Result {
	f := result.Family{Name: "kos_big", Help: "Many series.", Type: dto.MetricType_GAUGE}
	f.Series.Layout = []result.Label{{Name: "model", Index: 0}}
	for i := range n {
		f.Series.Add(fmt.Sprintf("model_%06d\xff", i), float64(i%1000))
	}
	return &result.Result{Families: []result.Family{f}, Series: n}
}

func TestPackedSeriesSpanningChunksAreOneFamily(t *testing.T) {
	s, _, h := newTestStore(t)
	n := 2*chunkSize + 5
	s.Publish("activations_a", packedResult(n), 0)

	text := scrape(t, h, false)
	if c := strings.Count(text, "# TYPE kos_big gauge\n"); c != 1 {
		t.Errorf("%d TYPE lines for kos_big, want 1", c)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("not valid text exposition: %v", err)
	}
	got := families["kos_big"].GetMetric()
	if len(got) != n {
		t.Fatalf("%d kos_big series, want %d", len(got), n)
	}
	last := got[n-1]
	if want := fmt.Sprintf("model_%06d", n-1); last.Label[0].GetValue() != want || last.GetGauge().GetValue() != float64((n-1)%1000) {
		t.Errorf("last series %v, want model %s value %d", last, want, (n-1)%1000)
	}

	// Protobuf: every series arrives, in one message for the family, also
	// when a second collector fills the same family.
	s.Publish("activations_b", packedResult(3), 0)
	n += 3
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	dec := expfmt.NewDecoder(rec.Body, expfmt.ResponseFormat(rec.Header()))
	total, messages := 0, 0
	for {
		mf := &dto.MetricFamily{}
		if err := dec.Decode(mf); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if mf.GetName() == "kos_big" {
			total += len(mf.Metric)
			messages++
			if mf.GetHelp() != "Many series." || mf.GetType() != dto.MetricType_GAUGE {
				t.Errorf("kos_big message with help %q type %v", mf.GetHelp(), mf.GetType())
			}
		}
	}
	if total != n || messages != 1 {
		t.Errorf("protobuf carries %d kos_big series in %d messages, want %d in one", total, messages, n)
	}
}

func TestZstd(t *testing.T) {
	s, _, h := newTestStore(t)
	s.Publish("activations_a", packedResult(3*chunkSize), 0)
	plain := scrape(t, h, false)

	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept-Encoding", "zstd,gzip") // what Prometheus sends with zstd-scrape
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if ce := rec.Header().Get("Content-Encoding"); ce != "zstd" {
		t.Fatalf("Content-Encoding %q, want zstd", ce)
	}
	// The data frame must fit the 8 MiB window Prometheus allows, whatever
	// the page's size: a streamed frame declares the encoder's window.
	var hdr zstd.Header
	if err := hdr.Decode(rec.Body.Bytes()); err != nil {
		t.Fatalf("zstd frame header: %v", err)
	}
	if hdr.SingleSegment || hdr.WindowSize > 8<<20 {
		t.Errorf("frame: single segment %v, window %d; want a streamed frame, window at most 8 MiB", hdr.SingleSegment, hdr.WindowSize)
	}
	// Decoded as Prometheus decodes it: one decoder, an 8 MiB window limit.
	dec, err := zstd.NewReader(bytes.NewReader(rec.Body.Bytes()), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(8<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	got, err := io.ReadAll(dec)
	if err != nil {
		t.Fatalf("zstd body: %v", err)
	}
	if dataLines(string(got)) != dataLines(plain) {
		t.Errorf("zstd body differs from the plain body")
	}
	if len(rec.Body.Bytes()) >= len(plain)/10 {
		t.Errorf("zstd body %d bytes for %d plain", len(rec.Body.Bytes()), len(plain))
	}
}

func TestExpensiveChangeIsRenderedBeforeItIsPublished(t *testing.T) {
	s, _, h := newTestStore(t)
	s.eagerSize = 0 // as if the page were large
	s.Publish("activations_a", packedResult(10), 0)
	scrape(t, h, true) // gzip is now wanted

	s.Publish("activations_a", packedResult(20), 0)
	key, _ := s.fresh()
	if len(s.rendered) != 1 {
		t.Fatalf("%d bodies rendered, want the one format scraped", len(s.rendered))
	}
	b := s.rendered[b0format(s)]
	if b.key != key {
		t.Fatalf("body after Publish is not the current one")
	}
	if b.packed[gzipEnc] == nil {
		t.Errorf("body not compressed for gzip, the encoding scrapes used")
	}
	if b.packed[zstdEnc] != nil {
		t.Errorf("body compressed for zstd, which no scrape asked for")
	}
	if b.plain != nil {
		t.Errorf("plain body kept, though no scrape asked for it uncompressed")
	}
	s.eagerSize = 1 << 30 // a small page: the scrape renders it
	s.Publish("activations_a", packedResult(30), 0)
	if key, _ := s.fresh(); s.rendered[b0format(s)].key == key {
		t.Errorf("cheap page rendered before the scrape")
	}
	if got := scrape(t, h, true); !strings.Contains(got, `kos_big{model="model_000029"} 29`) {
		t.Errorf("cheap page: new result not served")
	}
	if got := scrape(t, h, false); !strings.Contains(got, `kos_big{model="model_000029"} 29`) {
		t.Errorf("uncompressed scrape after gzip-only ones lacks the data")
	}
}

// b0format is the one format the store has rendered.
func b0format(s *Store) string {
	for f := range s.rendered {
		return f
	}
	return ""
}
