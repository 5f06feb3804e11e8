package snapshot

import (
	"net/http"
	"strconv"
	"strings"
)

// encoding is a Content-Encoding the handler can serve.
type encoding int

const (
	identity encoding = iota
	gzipEnc
	zstdEnc
	numEncodings
)

func (e encoding) String() string {
	return [...]string{"identity", "gzip", "zstd"}[e]
}

// negotiateEncoding picks the coding the client weighs highest (RFC 9110,
// section 12.5.3): "gzip;q=0" refuses gzip, "*" counts for a coding not
// named, and a malformed q-value refuses the coding. On a tie zstd wins
// (smallest on the wire; Prometheus with the zstd-scrape feature sends
// "zstd,gzip"), then gzip. Identity is the fallback, served even when
// refused.
func negotiateEncoding(h http.Header) encoding {
	q := [numEncodings]float64{-1, -1, -1} // -1: not named
	anyQ := -1.0
	for _, line := range h.Values("Accept-Encoding") {
		for _, part := range strings.Split(line, ",") {
			coding, params, _ := strings.Cut(part, ";")
			w := qValue(params)
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "zstd":
				q[zstdEnc] = w
			case "gzip", "x-gzip":
				q[gzipEnc] = w
			case "identity":
				q[identity] = w
			case "*":
				anyQ = w
			}
		}
	}
	for e := range q {
		if q[e] < 0 {
			// Unnamed codings weigh what "*" does; identity, unnamed and
			// without "*", less than any coding the client names.
			q[e] = max(anyQ, 0)
		}
	}
	best := identity
	for _, e := range []encoding{gzipEnc, zstdEnc} {
		if q[e] > 0 && q[e] >= q[best] {
			best = e
		}
	}
	return best
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
