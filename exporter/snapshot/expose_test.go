package snapshot

import (
	"net/http"
	"testing"
)

func TestGzipAccepted(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"x-gzip", true},
		{"deflate, gzip", true},
		{"gzip;q=1.0, identity; q=0.5, *;q=0", true},
		{"gzip;q=0", false},
		{"gzip;q=0, identity", false},
		{"gzip; q=0.000, identity", false},
		{"gzip;Q=0", false},
		{"gzip;q=0.001", true},
		{"*", true},
		{"*;q=0", false},
		{"*;q=0.5", true},
		{"*, gzip;q=0", false},
		{"gzip;q=0, *", false},
		{"identity;q=0", false},
		{"identity;q=0, *", true},
		{"gzip;q=0.5, identity;q=1", false},
		{"gzip;q=1, identity;q=0.5", true},
		{"gzip;q=0.5, identity;q=0.5", true},
		{"br, deflate", false},
		{"gzip;q=nonsense", false},
		{"gzip;q=2", false},
		{"gzip;level=9", true},
		{"gzipped", false},
	} {
		t.Run(tc.header, func(t *testing.T) {
			h := http.Header{}
			if tc.header != "" {
				h.Set("Accept-Encoding", tc.header)
			}
			if got := gzipAccepted(h); got != tc.want {
				t.Errorf("gzipAccepted(%q) = %v, want %v", tc.header, got, tc.want)
			}
		})
	}
	t.Run("several header lines", func(t *testing.T) {
		h := http.Header{"Accept-Encoding": {"identity", "gzip;q=0"}}
		if gzipAccepted(h) {
			t.Errorf("gzip refused on a second header line, still accepted")
		}
	})
}
