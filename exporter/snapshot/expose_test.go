package snapshot

import (
	"net/http"
	"testing"
)

func TestNegotiateEncoding(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   encoding
	}{
		{"", identity},
		{"gzip", gzipEnc},
		{"GZIP", gzipEnc},
		{"x-gzip", gzipEnc},
		{"deflate, gzip", gzipEnc},
		{"gzip;q=1.0, identity; q=0.5, *;q=0", gzipEnc},
		{"gzip;q=0", identity},
		{"gzip;q=0, identity", identity},
		{"gzip; q=0.000, identity", identity},
		{"gzip;Q=0", identity},
		{"gzip;q=0.001", gzipEnc},
		{"*", zstdEnc},
		{"*;q=0", identity},
		{"*;q=0.5", zstdEnc},
		{"*, gzip;q=0", zstdEnc},
		{"gzip;q=0, *", zstdEnc},
		{"identity;q=0", identity},
		{"identity;q=0, *", zstdEnc},
		{"gzip;q=0.5, identity;q=1", identity},
		{"gzip;q=1, identity;q=0.5", gzipEnc},
		{"gzip;q=0.5, identity;q=0.5", gzipEnc},
		{"br, deflate", identity},
		{"gzip;q=nonsense", identity},
		{"gzip;q=2", identity},
		{"gzip;level=9", gzipEnc},
		{"gzipped", identity},
		{"zstd,gzip", zstdEnc}, // Prometheus with --enable-feature=zstd-scrape
		{"gzip, zstd", zstdEnc},
		{"ZSTD", zstdEnc},
		{"zstd;q=0.5, gzip", gzipEnc},
		{"zstd;q=0, gzip", gzipEnc},
		{"zstd;q=0", identity},
		{"zstd, identity;q=0", zstdEnc},
		{"zstd;q=0.5, identity", identity},
		{"*, zstd;q=0", gzipEnc},
		{"*, zstd;q=0, gzip;q=0", identity},
	} {
		t.Run(tc.header, func(t *testing.T) {
			h := http.Header{}
			if tc.header != "" {
				h.Set("Accept-Encoding", tc.header)
			}
			if got := negotiateEncoding(h); got != tc.want {
				t.Errorf("negotiateEncoding(%q) = %v, want %v", tc.header, got, tc.want)
			}
		})
	}
	t.Run("several header lines", func(t *testing.T) {
		h := http.Header{"Accept-Encoding": {"identity", "gzip;q=0"}}
		if negotiateEncoding(h) != identity {
			t.Errorf("gzip refused on a second header line, still accepted")
		}
	})
}
