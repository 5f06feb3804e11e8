package main

import "strings"

// sel is the job and instance selection of the exporter health dashboard,
// written into every selector there.
const sel = `job=~"$job", instance=~"$instance"`

// h puts sel into each {} of a query template.
func h(expr string) string { return strings.ReplaceAll(expr, "{}", "{"+sel+"}") }

func exporterHealth(in *inputs) (*dashboard, error) {
	b := newBoard(in, boardSpec{
		uid: "kos-exporter", title: "KOS exporter health",
		description: "kos_exporter itself: scrape, database targets, collectors up and fresh, run durations, errors by reason, series counts, configuration reloads.",
		refresh:     "30s", from: "now-3h", to: "now",
		vars: []variable{queryVar("job", "kos_exporter_build_info"), queryVar("instance", `kos_exporter_build_info{job=~"$job"}`)},
	})
	b.row("Exporter")
	b.add(6, 5, stat("Scrape up",
		"Whether Prometheus can scrape each exporter instance.", "bool",
		q{h(`up{}`), "{{instance}}"}).withMappings(onOff("red", "green")).withThresholds(lowIsBad(1)).
		withLinks(b.runbook("KOSExporterDown", "KOSExporterAbsent")))
	b.add(6, 5, stat("Database targets up",
		"Whether the latest run on each database target reached the database.", "bool",
		q{h(`kos_exporter_target_up{}`), "{{target}}"}).withMappings(onOff("red", "green")).withThresholds(lowIsBad(1)).
		withLinks(b.runbook("KOSExporterTargetDown")))
	b.add(6, 5, stat("Last reload accepted",
		"Whether the last configuration reload was accepted; a rejected one keeps the old collectors running.", "bool",
		q{h(`kos_exporter_config_last_reload_successful{}`), "{{instance}}"}).
		withMappings(mapping{Type: "value", Options: map[string]mappingValue{
			"0": {Text: "REJECTED", Color: "red", Index: 0}, "1": {Text: "ok", Color: "green", Index: 1},
		}}).withThresholds(lowIsBad(1)).withLinks(b.runbook("KOSExporterConfigReloadFailed")))
	b.add(6, 5, stat("Last good configuration",
		"When each instance last loaded its configuration successfully.", "dateTimeFromNow",
		q{h(`kos_exporter_config_last_reload_success_timestamp_seconds{} * 1000`), "{{instance}}"}))
	b.add(24, 4, table("Build",
		"Version and revision of each exporter instance.", "none",
		q{h(`kos_exporter_build_info{}`), ""}).
		withTransformations(transformation{ID: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true, "Value": true, "__name__": true},
		}}))

	b.row("Collectors")
	b.add(12, 8, stateTimeline("Collectors up",
		"Whether each collector's last run succeeded; a failed run removes its series at once.", "bool_on_off",
		q{h(`min by (collector) (kos_exporter_collector_up{})`), "{{collector}}"}).
		withMappings(onOff("red", "green")).withThresholds(lowIsBad(1)).withLinks(b.runbook("KOSExporterCollectorDown")))
	b.add(12, 8, stateTimeline("Collectors exposed",
		"Whether each collector's series are in the exposition (up and not older than its staleness).", "bool_on_off",
		q{h(`min by (collector) (kos_exporter_collector_exposed{})`), "{{collector}}"}).
		withMappings(onOff("red", "green")).withThresholds(lowIsBad(1)).withLinks(b.runbook("KOSExporterCollectorStale")))
	b.add(12, 8, timeseries("Data age",
		"Age of each collector's exposed result: normally below its interval.", "s",
		q{h(`max by (collector) (kos_exporter_collector_data_age_seconds{})`), "{{collector}}"}).
		withLinks(b.runbook("KOSExporterCollectorStale")))
	b.add(12, 8, timeseries("Time since last success",
		"Seconds since each collector's last successful run.", "s",
		q{h(`time() - max by (collector) (kos_exporter_collector_last_success_timestamp_seconds{})`), "{{collector}}"}))
	b.add(12, 8, timeseries("Run duration p99",
		"99th percentile of collector run time (query plus mapping); compare with the collector's timeout.", "s",
		q{h(`histogram_quantile(0.99, sum by (collector, le) (rate(kos_exporter_collector_run_duration_seconds_bucket{}[$__rate_interval])))`), "{{collector}}"}))
	b.add(12, 8, timeseries("Mean run duration",
		"Average collector run time.", "s",
		q{h(`sum by (collector) (rate(kos_exporter_collector_run_duration_seconds_sum{}[$__rate_interval])) / sum by (collector) (rate(kos_exporter_collector_run_duration_seconds_count{}[$__rate_interval]))`), "{{collector}}"}))
	b.add(12, 8, timeseries("Runs per second",
		"Collector runs started per second: one query each, whatever the number of scrapers.", "ops",
		q{h(`sum by (collector) (rate(kos_exporter_collector_runs_total{}[$__rate_interval]))`), "{{collector}}"}))
	b.add(12, 8, timeseries("Errors by reason",
		"Failed runs per second by collector and reason (connect, timeout, sql, scan, columns, cardinality).", "ops",
		q{h(`sum by (collector, reason) (rate(kos_exporter_collector_errors_total{}[$__rate_interval]))`), "{{collector}} · {{reason}}"}))
	b.add(12, 8, timeseries("Skipped values by reason",
		"Values dropped or altered while mapping rows to metrics, per second, by collector and reason.", "ops",
		q{h(`sum by (collector, reason) (rate(kos_exporter_collector_skipped_values_total{}[$__rate_interval]))`), "{{collector}} · {{reason}}"}))
	b.add(12, 8, timeseries("Series per collector",
		"Series produced by each collector's last successful run (capped by max_series).", "short",
		q{h(`sum by (collector) (kos_exporter_collector_series{})`), "{{collector}}"}))
	return b.build()
}

func resultsTable(in *inputs) (*dashboard, error) {
	b := newBoard(in, boardSpec{
		uid: "kos-results", title: "KOS hourly results · 실적표",
		description: "The table the contract part sends every hour: activations per model and kind per hour, today's totals, device changes, insurance sign-ups and port-in/port-out per hour. Each row at hh:00 holds the hour before. Export with the panel menu (Inspect → Data → CSV).",
		refresh:     "1m", from: "now/d", to: "now",
	})
	s := warRoomSignals()
	joined := transformation{ID: "joinByField", Options: map[string]any{"byField": "Time", "mode": "outer"}}
	sortByTime := transformation{ID: "sortBy", Options: map[string]any{"sort": []map[string]any{{"field": "Time", "desc": true}}}}
	hourlyTable := func(title, description string, x q) *panel {
		p := table(title, description, "none", x).withDecimals(0).withTransformations(joined, sortByTime)
		for i := range p.Targets {
			p.Targets[i].Instant, p.Targets[i].Range, p.Targets[i].Format = false, true, "time_series"
		}
		p.MaxDataPoints = 48
		return p.hourly()
	}
	b.row("Activations · 개통")
	b.add(24, 12, hourlyTable("Activations per hour by model and kind · 시간대별 개통 실적",
		"Activations completed in each hour, one column per model and kind (recording rule model_kind:kos_activations:increase1h, exact within the day).",
		s.activationsLastHour.q))
	b.add(12, 10, table("Today per model and kind · 당일 누계",
		"Activations completed since midnight per model and kind (increase over today's range; may differ from the sum of the hours by a fraction).", "none",
		q{s.activationsTodayByModel.expr, ""}).withDecimals(0).
		withTransformations(transformation{ID: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true},
			"renameByName":  map[string]string{"Value": "activations today"},
		}}))
	b.add(12, 10, hourlyTable("Port-in and port-out per hour · 번호이동",
		"Number-portability requests in each hour by direction (recording rule direction:kos_mnp_ports:increase1h).",
		s.portsLastHour.q))

	b.row("Device · 기기")
	b.add(12, 10, hourlyTable("Device changes per hour · 기기변경",
		"Device changes completed in each hour, by model.",
		q{`sum by (model) (model_kind:kos_activations:increase1h{kind="device_change"})`, "{{model}}"}))
	b.add(12, 10, hourlyTable("Insurance sign-ups per hour · 보험 가입",
		"Device-insurance sign-ups in each hour, by model (recording rule model:kos_insurance_signups:increase1h).",
		s.insuranceSignupsLastHour.q))
	return b.build()
}
