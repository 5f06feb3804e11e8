package main

import "strings"

// sel is the job and instance selection of the exporter health dashboard,
// written into every selector there.
const sel = `job=~"$job", instance=~"$instance"`

// h puts sel into each {} of a query template.
func h(expr string) string { return strings.ReplaceAll(expr, "{}", "{"+sel+"}") }

func exporterHealth(in *inputs) (*dashboard, error) {
	b := newBoard(in, boardSpec{
		uid: "kos-exporter", title: "KOS 익스포터 상태 · Exporter health",
		description: "kos_exporter 자체 상태: 수집, DB 대상, 수집기 정상 여부와 최신성, 실행 시간, 사유별 오류, 시계열 수, 설정 재적용. kos_exporter itself: scrape, database targets, collectors up and fresh, run durations, errors by reason, series counts, configuration reloads.",
		refresh:     "30s", from: "now-3h", to: "now",
		vars: []variable{queryVar("job", "kos_exporter_build_info"), queryVar("instance", `kos_exporter_build_info{job=~"$job"}`)},
	})
	b.row("익스포터 · Exporter")
	b.add(6, 5, stat("수집 가능 · Scrape up",
		"Prometheus가 각 익스포터 인스턴스를 수집(scrape)할 수 있는지. Whether Prometheus can scrape each exporter instance.", "bool",
		q{h(`up{}`), "{{instance}}"}).withMappings(onOff("red", "green")).withThresholds(lowIsBad(1)).
		withLinks(b.runbook("KOSExporterDown", "KOSExporterAbsent")))
	b.add(6, 5, stat("DB 대상 연결 · Database targets up",
		"각 DB 대상에서 마지막 실행이 DB에 접속했는지. Whether the latest run on each database target reached the database.", "bool",
		q{h(`kos_exporter_target_up{}`), "{{target}}"}).withMappings(onOff("red", "green")).withThresholds(lowIsBad(1)).
		withLinks(b.runbook("KOSExporterTargetDown")))
	b.add(6, 5, stat("최근 설정 재적용 · Last reload accepted",
		"마지막 설정 재적용(reload)이 받아들여졌는지: 거부되면 이전 수집기가 계속 동작합니다. Whether the last configuration reload was accepted; a rejected one keeps the old collectors running.", "bool",
		q{h(`kos_exporter_config_last_reload_successful{}`), "{{instance}}"}).
		withMappings(mapping{Type: "value", Options: map[string]mappingValue{
			"0": {Text: "REJECTED", Color: "red", Index: 0}, "1": {Text: "ok", Color: "green", Index: 1},
		}}).withThresholds(lowIsBad(1)).withLinks(b.runbook("KOSExporterConfigReloadFailed")))
	b.add(6, 5, stat("최근 정상 설정 · Last good configuration",
		"각 인스턴스가 마지막으로 설정을 정상 적용한 시각. When each instance last loaded its configuration successfully.", "dateTimeFromNow",
		q{h(`kos_exporter_config_last_reload_success_timestamp_seconds{} * 1000`), "{{instance}}"}))
	b.add(24, 4, table("빌드 · Build",
		"익스포터 인스턴스별 버전과 리비전. Version and revision of each exporter instance.", "none",
		q{h(`kos_exporter_build_info{}`), ""}).
		withTransformations(transformation{ID: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true, "Value": true, "__name__": true},
		}}))

	b.row("수집기 · Collectors")
	b.add(12, 8, stateTimeline("수집기 정상 · Collectors up",
		"각 수집기의 마지막 실행이 성공했는지: 실패하면 그 시계열은 즉시 사라집니다. Whether each collector's last run succeeded; a failed run removes its series at once.", "bool_on_off",
		q{h(`min by (collector) (kos_exporter_collector_up{})`), "{{collector}}"}).
		withMappings(onOff("red", "green")).withThresholds(lowIsBad(1)).withLinks(b.runbook("KOSExporterCollectorDown")))
	b.add(12, 8, stateTimeline("수집기 노출 · Collectors exposed",
		"각 수집기의 시계열이 노출되고 있는지(정상이고 staleness보다 오래되지 않음). Whether each collector's series are in the exposition (up and not older than its staleness).", "bool_on_off",
		q{h(`min by (collector) (kos_exporter_collector_exposed{})`), "{{collector}}"}).
		withMappings(onOff("red", "green")).withThresholds(lowIsBad(1)).withLinks(b.runbook("KOSExporterCollectorStale")))
	b.add(12, 8, timeseries("데이터 경과 시간 · Data age",
		"각 수집기가 노출한 결과의 경과 시간: 보통 수집 주기보다 짧습니다. Age of each collector's exposed result: normally below its interval.", "s",
		q{h(`max by (collector) (kos_exporter_collector_data_age_seconds{})`), "{{collector}}"}).
		withLinks(b.runbook("KOSExporterCollectorStale")))
	b.add(12, 8, timeseries("마지막 성공 후 경과 · Time since last success",
		"각 수집기의 마지막 성공 실행 이후 지난 초. Seconds since each collector's last successful run.", "s",
		q{h(`time() - max by (collector) (kos_exporter_collector_last_success_timestamp_seconds{})`), "{{collector}}"}))
	b.add(12, 8, timeseries("실행 시간 p99 · Run duration p99",
		"수집기 실행 시간(쿼리와 매핑)의 99번째 백분위: 수집기의 timeout과 비교하십시오. 99th percentile of collector run time (query plus mapping); compare with the collector's timeout.", "s",
		q{h(`histogram_quantile(0.99, sum by (collector, le) (rate(kos_exporter_collector_run_duration_seconds_bucket{}[$__rate_interval])))`), "{{collector}}"}))
	b.add(12, 8, timeseries("평균 실행 시간 · Mean run duration",
		"수집기 평균 실행 시간. Average collector run time.", "s",
		q{h(`sum by (collector) (rate(kos_exporter_collector_run_duration_seconds_sum{}[$__rate_interval])) / sum by (collector) (rate(kos_exporter_collector_run_duration_seconds_count{}[$__rate_interval]))`), "{{collector}}"}))
	b.add(12, 8, timeseries("초당 실행 · Runs per second",
		"초당 시작된 수집기 실행 수: 수집하는 쪽이 몇이든 실행마다 쿼리 하나. Collector runs started per second: one query each, whatever the number of scrapers.", "ops",
		q{h(`sum by (collector) (rate(kos_exporter_collector_runs_total{}[$__rate_interval]))`), "{{collector}}"}))
	b.add(12, 8, timeseries("사유별 오류 · Errors by reason",
		"수집기와 사유별 초당 실패 실행 수. Failed runs per second by collector and reason (connect, timeout, sql, scan, columns, cardinality).", "ops",
		q{h(`sum by (collector, reason) (rate(kos_exporter_collector_errors_total{}[$__rate_interval]))`), "{{collector}} · {{reason}}"}))
	b.add(12, 8, timeseries("사유별 건너뛴 값 · Skipped values by reason",
		"행을 메트릭으로 바꾸면서 버리거나 고친 값의 초당 수, 수집기와 사유별. Values dropped or altered while mapping rows to metrics, per second, by collector and reason.", "ops",
		q{h(`sum by (collector, reason) (rate(kos_exporter_collector_skipped_values_total{}[$__rate_interval]))`), "{{collector}} · {{reason}}"}))
	b.add(12, 8, timeseries("수집기별 시계열 · Series per collector",
		"각 수집기의 마지막 성공 실행이 만든 시계열 수(max_series로 제한). Series produced by each collector's last successful run (capped by max_series).", "short",
		q{h(`sum by (collector) (kos_exporter_collector_series{})`), "{{collector}}"}))
	return b.build()
}

func resultsTable(in *inputs) (*dashboard, error) {
	b := newBoard(in, boardSpec{
		uid: "kos-results", title: "KOS 실적표 · Hourly results",
		description: "계약 파트가 매시 보내는 실적표: 시간대별 모델·유형별 개통, 당일 누계, 기기변경, 단말보험 가입, 번호이동 포트인/포트아웃. hh:00 행은 직전 1시간입니다. The table the contract part sends every hour: activations per model and kind per hour, today's totals, device changes, insurance sign-ups and port-in/port-out per hour. Each row at hh:00 holds the hour before. Export with the panel menu (Inspect → Data → CSV).",
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
	b.row("개통 · Activations")
	b.add(24, 12, hourlyTable("시간대별 개통 실적 · Activations per hour by model and kind",
		"시간마다 완료된 개통 건수, 모델·유형마다 한 열. Activations completed in each hour, one column per model and kind (recording rule model_kind:kos_activations:increase1h, exact within the day).",
		s.activationsLastHour.q))
	b.add(12, 10, table("당일 누계 · Today per model and kind",
		"자정 이후 모델·유형별 개통 완료 건수. Activations completed since midnight per model and kind (increase over today's range; may differ from the sum of the hours by a fraction).", "none",
		q{s.activationsTodayByModel.expr, ""}).withDecimals(0).
		withTransformations(transformation{ID: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true},
			"renameByName":  map[string]string{"Value": "activations today"},
		}}))
	b.add(12, 10, hourlyTable("시간대별 번호이동 · Port-in and port-out per hour",
		"시간마다 방향(포트인, 포트아웃)별 번호이동 요청 건수. Number-portability requests in each hour by direction (recording rule direction:kos_mnp_ports:increase1h).",
		s.portsLastHour.q))

	b.row("기기 · Device")
	b.add(12, 10, hourlyTable("시간대별 기기변경 · Device changes per hour",
		"시간마다 완료된 기기변경 건수, 모델별. Device changes completed in each hour, by model.",
		q{`sum by (model) (model_kind:kos_activations:increase1h{kind="device_change"})`, "{{model}}"}))
	b.add(12, 10, hourlyTable("시간대별 단말보험 가입 · Insurance sign-ups per hour",
		"시간마다 모델별 단말보험 가입 건수(hh:00 값은 직전 1시간). Device-insurance sign-ups in each hour, by model (recording rule model:kos_insurance_signups:increase1h).",
		s.insuranceSignupsLastHour.q))
	return b.build()
}
