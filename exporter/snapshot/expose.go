package snapshot

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sync"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/kos-ops/kos_exporter/exporter/result"
)

// Compression levels. The data is compressed once per change, the
// self-metrics (a few kB) on every scrape. Deflate gains under 2 % from
// its slowest levels on an exposition page (its 32 kB window sees under a
// thousand series), so the data gets a fast one. zstd's fastest level
// already makes the load check's 100k-series page about 15 times smaller
// than gzip; its better level takes a quarter off that for three to four
// times the CPU, which at a million series is seconds per change.
const (
	dataFlateLevel = 5
	selfFlateLevel = flate.BestSpeed
	zstdLevel      = zstd.SpeedFastest
)

// body is the encoded data part of the exposition for one set of results,
// with its compressed forms, made before it is served. Its plain form is
// kept only while some scrape wants it uncompressed (at a million series
// it is 35 MB against 4.6 MB in gzip and 0.16 MB in zstd).
type body struct {
	key    string
	plain  []byte
	size   int // of plain
	crc    uint32
	coders *coders

	once [numEncodings]sync.Once
	// packed[gzip] is plain as raw deflate blocks ending in a sync flush, so
	// a scrape can append the self-metrics as further blocks: one gzip
	// member without compressing the data again. packed[zstd] is one zstd
	// frame; the self-metrics follow as a second frame (RFC 8878, section
	// 3: a stream is a sequence of frames).
	packed [numEncodings][]byte
	err    [numEncodings]error
}

// has reports whether the body can be served in encoding e.
func (b *body) has(e encoding) bool {
	return b.plain != nil || (e != identity && b.packed[e] != nil)
}

// compressed returns the data in encoding e, compressing it on first use.
func (b *body) compressed(e encoding) ([]byte, error) {
	b.once[e].Do(func() {
		var buf bytes.Buffer
		switch e {
		case gzipEnc:
			fw := b.coders.flate.Get().(*flate.Writer)
			defer b.coders.flate.Put(fw)
			fw.Reset(&buf)
			if _, err := fw.Write(b.plain); err != nil {
				b.err[e] = err
				return
			}
			b.err[e] = fw.Flush()
		case zstdEnc:
			zw := b.coders.zstd.Get().(*zstd.Encoder)
			defer b.coders.zstd.Put(zw)
			zw.Reset(&buf)
			if _, err := zw.Write(b.plain); err != nil {
				b.err[e] = err
				return
			}
			b.err[e] = zw.Close()
		}
		// Trimmed, so no spare capacity lingers as long as the body does.
		b.packed[e] = slices.Clip(bytes.Clone(buf.Bytes()))
	})
	return b.packed[e], b.err[e]
}

// coders reuses the data's compressors: a new zstd encoder allocates about
// 20 MB of tables, a flate writer about 1 MB.
type coders struct {
	flate, zstd sync.Pool
}

func newCoders() *coders {
	c := &coders{}
	c.flate.New = func() any {
		w, _ := flate.NewWriter(nil, dataFlateLevel) // fails only on a bad level
		return w
	}
	c.zstd.New = func() any {
		w, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstdLevel), zstd.WithEncoderConcurrency(1)) // options are constant
		return w
	}
	return c
}

// Handler serves /metrics: the data of every fresh collector, then the
// self-metrics gathered from self on each scrape.
func (s *Store) Handler(self prometheus.Gatherer, logger *slog.Logger) http.Handler {
	h := &handler{store: s, self: self, logger: logger}
	h.flaters.New = func() any {
		w, _ := flate.NewWriter(nil, selfFlateLevel) // only fails on a bad level
		return w
	}
	// EncodeAll is safe for concurrent use; one encoder serves every scrape.
	h.zstd, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstdLevel), zstd.WithEncoderConcurrency(1)) // options are constant
	return h
}

type handler struct {
	store   *Store
	self    prometheus.Gatherer
	logger  *slog.Logger
	flaters sync.Pool
	zstd    *zstd.Encoder
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	format := expfmt.Negotiate(r.Header)
	enc := negotiateEncoding(r.Header)
	h.store.served(format, enc)
	data, err := h.store.render(format, enc, false)
	var packed []byte
	if err == nil && enc != identity {
		packed, err = data.compressed(enc)
	}
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
	fenc := expfmt.NewEncoder(&self, format)
	for _, f := range families {
		if err := fenc.Encode(f); err != nil {
			h.logger.Error("Encoding self-metrics failed", "family", f.GetName(), "err", err)
		}
	}

	w.Header().Set("Content-Type", string(format))
	switch enc {
	case identity:
		w.Write(data.plain)
		w.Write(self.Bytes())
		return
	case gzipEnc:
		w.Header().Set("Content-Encoding", "gzip")
		err = h.writeGzip(w, data, packed, self.Bytes())
	case zstdEnc:
		w.Header().Set("Content-Encoding", "zstd")
		if _, err = w.Write(packed); err == nil {
			_, err = w.Write(h.zstd.EncodeAll(self.Bytes(), nil))
		}
	}
	if err != nil {
		h.logger.Debug("Writing exposition failed", "err", err)
	}
}

// writeGzip writes one gzip member: header, the cached deflate blocks of the
// data, the self-metrics compressed now, and the trailer over both.
func (h *handler) writeGzip(w io.Writer, data *body, deflated, self []byte) error {
	// RFC 1952 header: deflate, no flags, no mtime, unknown OS.
	if _, err := w.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}); err != nil {
		return err
	}
	if _, err := w.Write(deflated); err != nil {
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
	binary.LittleEndian.PutUint32(trailer[4:], uint32(data.size+len(self)))
	_, err := w.Write(trailer[:])
	return err
}

// chunkSize is how many packed series are unpacked for the encoder at once.
const chunkSize = 4096

// render returns the encoded data of every fresh collector, in a body that
// has encoding need, re-encoding only when a result was published or went
// stale since the last call. A new body is compressed in every encoding
// scrapes have used before it is served. Unless told to wait, a scrape
// that finds another render under way is served the previous body: its
// data is at most that render's duration older.
func (s *Store) render(format expfmt.Format, need encoding, wait bool) (*body, error) {
	key, _ := s.fresh()
	s.bodyMu.Lock()
	b := s.rendered[string(format)]
	s.bodyMu.Unlock()
	if b != nil && b.key == key && b.has(need) {
		return b, nil
	}
	usable := b != nil && b.has(need)
	if usable && !wait && !s.renderMu.TryLock() {
		return b, nil
	}
	if !usable || wait {
		s.renderMu.Lock()
	}
	defer s.renderMu.Unlock()
	// Another render may have finished meanwhile, and results may have
	// changed again: build what is current.
	key, parts := s.fresh()
	s.bodyMu.Lock()
	b = s.rendered[string(format)]
	size := s.lastSize[string(format)]
	encs := s.wanted[string(format)]
	s.bodyMu.Unlock()
	if b != nil && b.key == key && b.has(need) {
		return b, nil
	}
	encs[need] = true
	b, err := newBody(s.coders, format, key, parts, size, encs)
	if err != nil {
		return nil, err
	}
	s.install(map[string]*body{string(format): b})
	return b, nil
}

// eager reports whether a change builds the page before it is published:
// only when it is at least eagerSize. A scrape can afford to build a
// smaller one, and 200 small collectors would otherwise each rebuild the
// page once a run. The size, not the time a build took, decides, so that a
// loaded machine does not change what the exporter does.
func (s *Store) eager() bool {
	s.bodyMu.Lock()
	defer s.bodyMu.Unlock()
	for _, size := range s.lastSize {
		if size >= s.eagerSize {
			return true
		}
	}
	return false
}

// prepare builds the bodies of every format scrapes have used, in the
// encodings they used, for the results in parts.
func (s *Store) prepare(key string, parts [][]result.Family) map[string]*body {
	s.bodyMu.Lock()
	wanted, sizes := maps.Clone(s.wanted), maps.Clone(s.lastSize)
	s.bodyMu.Unlock()
	bodies := map[string]*body{}
	for format, encs := range wanted {
		// On an error nothing is prepared; the next scrape reports it.
		if b, err := newBody(s.coders, expfmt.Format(format), key, parts, sizes[format], encs); err == nil {
			bodies[format] = b
		}
	}
	return bodies
}

// install makes bodies the current ones of their formats.
func (s *Store) install(bodies map[string]*body) {
	s.bodyMu.Lock()
	defer s.bodyMu.Unlock()
	for format, b := range bodies {
		s.rendered[format] = b
		s.lastSize[format] = b.size + b.size/8
	}
}

// newBody encodes parts in format and compresses the result in encs;
// sizeHint presizes the buffer.
func newBody(c *coders, format expfmt.Format, key string, parts [][]result.Family, sizeHint int, encs [numEncodings]bool) (*body, error) {
	var buf bytes.Buffer
	buf.Grow(sizeHint)
	if err := encode(&buf, format, parts); err != nil {
		return nil, err
	}
	plain := slices.Clip(buf.Bytes())
	b := &body{key: key, plain: plain, size: len(plain), crc: crc32.ChecksumIEEE(plain), coders: c}
	for e, used := range encs {
		if used && encoding(e) != identity {
			if _, err := b.compressed(encoding(e)); err != nil {
				return nil, err
			}
		}
	}
	if !encs[identity] {
		b.plain = nil
	}
	return b, nil
}

// encode writes the families of every part in format, those of the same
// name (from several collectors; config validation guarantees they agree
// on type, help and labels) as one family, sorted by name. Series are
// encoded a chunk at a time, so a million series are never unpacked at
// once; in the text formats the chunks after the first lose their HELP and
// TYPE lines, in delimited protobuf they are merged into one message.
func encode(w *bytes.Buffer, format expfmt.Format, parts [][]result.Family) error {
	byName := map[string][]*result.Family{}
	for _, families := range parts {
		for i := range families {
			f := &families[i]
			byName[f.Name] = append(byName[f.Name], f)
		}
	}
	var scratch bytes.Buffer
	enc, rest := expfmt.NewEncoder(w, format), expfmt.NewEncoder(&scratch, format)
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		var err error
		switch format.FormatType() {
		case expfmt.TypeTextPlain, expfmt.TypeOpenMetrics:
			err = encodeText(w, enc, rest, &scratch, byName[name])
		case expfmt.TypeProtoDelim:
			err = encodeDelimited(w, byName[name])
		default: // the protobuf debug formats: rare, encoded whole
			err = encodeWhole(enc, byName[name])
		}
		if err != nil {
			return fmt.Errorf("encoding %s: %w", name, err)
		}
	}
	return nil
}

func encodeText(w *bytes.Buffer, enc, rest expfmt.Encoder, scratch *bytes.Buffer, fams []*result.Family) error {
	first := true
	for _, f := range fams {
		err := f.Chunks(chunkSize, func(ms []*dto.Metric) error {
			mf := &dto.MetricFamily{Name: &f.Name, Help: &f.Help, Type: &f.Type, Metric: ms}
			if first {
				first = false
				return enc.Encode(mf)
			}
			scratch.Reset()
			if err := rest.Encode(mf); err != nil {
				return err
			}
			w.Write(withoutComments(scratch.Bytes()))
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// encodeDelimited writes one length-delimited message for the family.
// Concatenated encodings of a protobuf message decode as one message whose
// repeated fields are appended, so each chunk is marshalled after the last
// and the whole is framed once: a scraper sees each family name once.
func encodeDelimited(w *bytes.Buffer, fams []*result.Family) error {
	var msg []byte
	for _, f := range fams {
		err := f.Chunks(chunkSize, func(ms []*dto.Metric) error {
			var err error
			msg, err = proto.MarshalOptions{}.MarshalAppend(msg, &dto.MetricFamily{Name: &f.Name, Help: &f.Help, Type: &f.Type, Metric: ms})
			return err
		})
		if err != nil {
			return err
		}
	}
	w.Write(protowire.AppendVarint(nil, uint64(len(msg))))
	w.Write(msg)
	return nil
}

func encodeWhole(enc expfmt.Encoder, fams []*result.Family) error {
	mf := &dto.MetricFamily{Name: &fams[0].Name, Help: &fams[0].Help, Type: &fams[0].Type}
	for _, f := range fams {
		err := f.Chunks(chunkSize, func(ms []*dto.Metric) error {
			mf.Metric = append(mf.Metric, ms...)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return enc.Encode(mf)
}

// withoutComments drops the leading comment lines (HELP, TYPE, UNIT) of an
// encoded family; sample lines never start with '#'.
func withoutComments(b []byte) []byte {
	for len(b) > 0 && b[0] == '#' {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return nil
		}
		b = b[i+1:]
	}
	return b
}

// served records that a scrape used format and encoding, so that warm
// prepares them after the next change.
func (s *Store) served(format expfmt.Format, enc encoding) {
	s.bodyMu.Lock()
	defer s.bodyMu.Unlock()
	w := s.wanted[string(format)]
	w[enc] = true
	s.wanted[string(format)] = w
}

// warm renders and compresses, right after a reload, every format and
// encoding scrapes have used when the page is large (see eager), so the
// first scrape after it finds them ready. It runs on the caller's
// goroutine, never a scrape's.
func (s *Store) warm() {
	if !s.eager() {
		return
	}
	s.bodyMu.Lock()
	wanted := maps.Clone(s.wanted)
	s.bodyMu.Unlock()
	for format, encs := range wanted {
		need := encoding(slices.Index(encs[:], true))
		s.render(expfmt.Format(format), need, true) // an error: the next scrape reports it
	}
}
