package snapshot

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// body is the encoded data part of the exposition for one set of results.
type body struct {
	key   string
	plain []byte
	// deflated is plain as raw deflate blocks ending in a sync flush, so a
	// scrape can append the self-metrics as further blocks: one gzip stream
	// without compressing the data again.
	deflated []byte
	crc      uint32
}

// Handler serves /metrics: the data of every fresh collector, then the
// self-metrics gathered from self on each scrape.
func (s *Store) Handler(self prometheus.Gatherer, logger *slog.Logger) http.Handler {
	h := &handler{store: s, self: self, logger: logger}
	h.flaters.New = func() any {
		w, _ := flate.NewWriter(nil, flate.BestSpeed) // only fails on a bad level
		return w
	}
	return h
}

type handler struct {
	store   *Store
	self    prometheus.Gatherer
	logger  *slog.Logger
	flaters sync.Pool
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	format := expfmt.Negotiate(r.Header)
	data, err := h.store.render(format, h.compress)
	if err != nil {
		h.logger.Error("Encoding collector results failed", "err", err)
		http.Error(w, "encoding collector results: "+err.Error(), http.StatusInternalServerError)
		return
	}
	var self bytes.Buffer
	families, err := h.self.Gather()
	if err != nil {
		// Like promhttp's ContinueOnError: serve what could be gathered.
		h.logger.Error("Gathering self-metrics failed", "err", err)
	}
	enc := expfmt.NewEncoder(&self, format)
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			h.logger.Error("Encoding self-metrics failed", "family", f.GetName(), "err", err)
		}
	}

	w.Header().Set("Content-Type", string(format))
	if !gzipAccepted(r.Header) {
		w.Write(data.plain)
		w.Write(self.Bytes())
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	if err := h.writeGzip(w, data, self.Bytes()); err != nil {
		h.logger.Debug("Writing exposition failed", "err", err)
	}
}

// writeGzip writes one gzip member: header, the cached deflate blocks of the
// data, the self-metrics compressed now, and the trailer over both.
func (h *handler) writeGzip(w io.Writer, data *body, self []byte) error {
	// RFC 1952 header: deflate, no flags, no mtime, unknown OS.
	if _, err := w.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}); err != nil {
		return err
	}
	if _, err := w.Write(data.deflated); err != nil {
		return err
	}
	fw := h.flaters.Get().(*flate.Writer)
	defer h.flaters.Put(fw)
	fw.Reset(w)
	if _, err := fw.Write(self); err != nil {
		return err
	}
	if err := fw.Close(); err != nil {
		return err
	}
	var trailer [8]byte
	binary.LittleEndian.PutUint32(trailer[:4], crc32.Update(data.crc, crc32.IEEETable, self))
	binary.LittleEndian.PutUint32(trailer[4:], uint32(len(data.plain)+len(self)))
	_, err := w.Write(trailer[:])
	return err
}

// compress deflates plain without closing the stream.
func (h *handler) compress(plain []byte) ([]byte, error) {
	var buf bytes.Buffer
	fw := h.flaters.Get().(*flate.Writer)
	defer h.flaters.Put(fw)
	fw.Reset(&buf)
	if _, err := fw.Write(plain); err != nil {
		return nil, err
	}
	if err := fw.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// render returns the encoded data of every fresh collector, re-encoding only
// when a result was published or went stale since the last call.
func (s *Store) render(format expfmt.Format, compress func([]byte) ([]byte, error)) (*body, error) {
	key, parts := s.fresh()
	s.renderMu.Lock()
	defer s.renderMu.Unlock()
	if b := s.rendered[string(format)]; b != nil && b.key == key {
		return b, nil
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, format)
	for _, f := range merge(parts) {
		if err := enc.Encode(f); err != nil {
			return nil, fmt.Errorf("encoding %s: %w", f.GetName(), err)
		}
	}
	deflated, err := compress(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("compressing exposition: %w", err)
	}
	b := &body{key: key, plain: buf.Bytes(), deflated: deflated, crc: crc32.ChecksumIEEE(buf.Bytes())}
	s.rendered[string(format)] = b
	return b, nil
}

// merge joins families of the same name coming from several collectors
// (config validation guarantees they agree on type, help and labels).
func merge(parts [][]*dto.MetricFamily) []*dto.MetricFamily {
	byName := map[string]*dto.MetricFamily{}
	for _, families := range parts {
		for _, f := range families {
			m, ok := byName[f.GetName()]
			if !ok {
				m = &dto.MetricFamily{Name: f.Name, Help: f.Help, Type: f.Type, Unit: f.Unit}
				byName[f.GetName()] = m
			}
			m.Metric = append(m.Metric, f.Metric...)
		}
	}
	names := make([]string, 0, len(byName))
	for name := range byName {
		names = append(names, name)
	}
	slices.Sort(names)
	out := make([]*dto.MetricFamily, len(names))
	for i, name := range names {
		out[i] = byName[name]
	}
	return out
}

// gzipAccepted reports whether the client accepts gzip at least as much as
// no encoding (RFC 9110, section 12.5.3): "gzip;q=0" refuses it, "*" counts
// for a coding not named, and a malformed q-value refuses the coding.
// Otherwise identity is served, even when refused: it is the fallback.
func gzipAccepted(h http.Header) bool {
	gzipQ, identityQ, anyQ := -1.0, -1.0, -1.0 // -1: not named
	for _, line := range h.Values("Accept-Encoding") {
		for _, part := range strings.Split(line, ",") {
			coding, params, _ := strings.Cut(part, ";")
			q := qValue(params)
			switch coding = strings.ToLower(strings.TrimSpace(coding)); coding {
			case "gzip", "x-gzip":
				gzipQ = q
			case "identity":
				identityQ = q
			case "*":
				anyQ = q
			}
		}
	}
	if gzipQ < 0 {
		gzipQ = max(anyQ, 0)
	}
	if identityQ < 0 {
		// Unnamed identity weighs what "*" does, else less than any coding
		// the client names (it is the fallback, always acceptable).
		identityQ = max(anyQ, 0)
	}
	return gzipQ > 0 && gzipQ >= identityQ
}

// qValue is the weight in params (";q=0.5"): 1 when absent, 0 when malformed.
func qValue(params string) float64 {
	for _, p := range strings.Split(params, ";") {
		name, value, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || q < 0 || q > 1 {
			return 0
		}
		return q
	}
	return 1
}
