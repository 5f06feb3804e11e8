package web

import (
	"log/slog"
	"net/http"
	"time"
)

// Timeouts bound how long the server keeps a connection; see
// defaultTimeouts for why each is what it is.
type Timeouts struct {
	ReadHeader time.Duration // request line and headers
	Read       time.Duration // whole request; requests here have no body
	Write      time.Duration // from the end of the headers to the end of the reply
	Idle       time.Duration // keep-alive between requests
}

// defaultTimeouts are sized for scrapes. Write: a 100,000-series page is
// about 10 MB plain, 1 MB gzipped, under a minute for a client that reads
// at 1.5 Mbit/s gzipped; Prometheus itself gives up at its scrape_timeout
// (at most the interval, typically 10-60 s). Idle: above the usual 60 s
// scrape interval, so a scraper keeps its connection between scrapes, but
// a connection left idle (or one that only got a 401) is closed.
var defaultTimeouts = Timeouts{
	ReadHeader: 10 * time.Second,
	Read:       30 * time.Second,
	Write:      time.Minute,
	Idle:       90 * time.Second,
}

// MaxHeaderBytes caps request headers; a scraper sends well under 1 KiB,
// a browser with cookies a few KiB.
const MaxHeaderBytes = 64 << 10

// NewServer returns the HTTP server for handler with timeouts t (zero
// fields take defaultTimeouts). The server's own errors (TLS handshakes,
// accept failures) go to logger at warning level, in the configured log
// format, not to Go's standard logger.
func NewServer(handler http.Handler, logger *slog.Logger, t Timeouts) *http.Server {
	or := func(d, def time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return def
	}
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: or(t.ReadHeader, defaultTimeouts.ReadHeader),
		ReadTimeout:       or(t.Read, defaultTimeouts.Read),
		WriteTimeout:      or(t.Write, defaultTimeouts.Write),
		IdleTimeout:       or(t.Idle, defaultTimeouts.Idle),
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.With("component", "http").Handler(), slog.LevelWarn),
	}
}
