package snapshot

import (
	"github.com/prometheus/client_golang/prometheus"
)

var (
	upDesc = prometheus.NewDesc("kos_exporter_collector_up",
		"Whether the collector's last run succeeded (1) or failed (0). Results are collected in the background on the collector's interval, not at scrape time.",
		[]string{"collector", "target"}, nil)
	lastSuccessDesc = prometheus.NewDesc("kos_exporter_collector_last_success_timestamp_seconds",
		"Unix time of the collector's last successful run.",
		[]string{"collector", "target"}, nil)
	dataAgeDesc = prometheus.NewDesc("kos_exporter_collector_data_age_seconds",
		"Age of the collector's last successful result at scrape time; past the staleness limit its series are dropped.",
		[]string{"collector", "target"}, nil)
	seriesDesc = prometheus.NewDesc("kos_exporter_collector_series",
		"Series the collector's last successful run produced (0 after a failure).",
		[]string{"collector", "target"}, nil)
	exposedDesc = prometheus.NewDesc("kos_exporter_collector_exposed",
		"Whether the collector's series are in this exposition (1): last run succeeded and its result is within the staleness limit.",
		[]string{"collector", "target"}, nil)
	targetUpDesc = prometheus.NewDesc("kos_exporter_target_up",
		"Whether the most recent collector run on the target reached the database (1) or could not connect (0).",
		[]string{"target"}, nil)
)

// selfMetrics reports per-collector and per-target state at scrape time.
type selfMetrics struct{ store *Store }

func (m *selfMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{upDesc, lastSuccessDesc, dataAgeDesc, seriesDesc, exposedDesc, targetUpDesc} {
		ch <- d
	}
	m.store.runDuration.Describe(ch)
	m.store.parts.Describe(ch)
	m.store.runs.Describe(ch)
	m.store.errors.Describe(ch)
	m.store.skipped.Describe(ch)
}

func (m *selfMetrics) Collect(ch chan<- prometheus.Metric) {
	s := m.store
	s.mu.Lock()
	now := s.now()
	for name, st := range s.collectors {
		target := st.info.Target
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, boolValue(st.up), name, target)
		ch <- prometheus.MustNewConstMetric(seriesDesc, prometheus.GaugeValue, float64(st.series), name, target)
		exposed := st.up && now.Sub(st.lastSuccess) <= st.info.Staleness
		ch <- prometheus.MustNewConstMetric(exposedDesc, prometheus.GaugeValue, boolValue(exposed), name, target)
		if !st.lastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(lastSuccessDesc, prometheus.GaugeValue, float64(st.lastSuccess.UnixNano())/1e9, name, target)
			ch <- prometheus.MustNewConstMetric(dataAgeDesc, prometheus.GaugeValue, now.Sub(st.lastSuccess).Seconds(), name, target)
		}
	}
	for target, up := range s.targets {
		ch <- prometheus.MustNewConstMetric(targetUpDesc, prometheus.GaugeValue, boolValue(up), target)
	}
	s.mu.Unlock()
	s.runDuration.Collect(ch)
	s.parts.Collect(ch)
	s.runs.Collect(ch)
	s.errors.Collect(ch)
	s.skipped.Collect(ch)
}

// Collector returns the self-metrics as a prometheus.Collector, to register
// on the exporter's own registry.
func (s *Store) Collector() prometheus.Collector { return s.self }

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
