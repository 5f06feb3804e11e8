package snapshot

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// CachedGatherer gathers g at most once per ttl. It is meant for the
// process and Go runtime metrics, which read /proc on every gather (about
// 0.5 ms of CPU): with many scrapers that would cost more than the whole
// rest of a scrape, while a second-old RSS figure loses nothing.
func CachedGatherer(g prometheus.Gatherer, ttl time.Duration, now func() time.Time) prometheus.Gatherer {
	return &cachedGatherer{g: g, ttl: ttl, now: now}
}

type cachedGatherer struct {
	g   prometheus.Gatherer
	ttl time.Duration
	now func() time.Time

	mu       sync.Mutex
	at       time.Time
	families []*dto.MetricFamily
}

func (c *cachedGatherer) Gather() ([]*dto.MetricFamily, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); c.families == nil || now.Sub(c.at) >= c.ttl {
		families, err := c.g.Gather()
		if err != nil {
			return families, err // not cached: the next scrape tries again
		}
		c.families, c.at = families, now
	}
	return c.families, nil
}
