package main

import "strings"

// Queries shared by the wall and the drill-downs.
const (
	activationsTodayByKind      = `sum by (kind) (increase(kos_activations_total{result="completed"}[$__range]))`
	activationsTodayByModelKind = `sum by (model, kind) (increase(kos_activations_total{result="completed"}[$__range]))`
	errorQueueDepth             = `sum(kos_error_queue_depth) or vector(0)`
	switchState                 = `max by (switch) (kos_switch_on)`
)

var legs = [][2]string{{"mobins", "KOS → Mobins"}, {"kait", "Mobins → KAIT"}}

// warRoom is the wall: today's numbers per part, readable across a room.
// Its time range is today so far, so [$__range] counts since local
// midnight, when the exporter's day counters restart.
func warRoom(in *inputs) (*dashboard, error) {
	b := newBoard(in, boardSpec{
		uid: "kos-warroom", title: "KOS war-room · 상황실",
		description: "Launch-day wall: today's activations, port-ins and port-outs, outside agencies, product calls, wait queue, OTA, insurance sync, reference switches and the error queue, one row per part. Open in kiosk mode.",
		refresh:     "15s", from: "now/d", to: "now",
	})

	b.row("Alerts · 알람")
	b.add(18, 6, firingAlerts(b))
	b.add(6, 6, stat("Collectors failing · 수집 실패",
		"kos_exporter collectors whose last run failed: their numbers are missing from this wall. Details on the exporter health dashboard.",
		"short", q{`count(kos_exporter_collector_up == 0) or vector(0)`, "failing"}).
		withThresholds(highIsBad(1, 1)).withLinks(b.runbook("KOSExporterCollectorDown", "KOSExporterDown")))

	b.row("Contract · 계약")
	b.add(6, 7, stat("Activations today · 개통",
		"Activations completed since midnight, by kind (new, port_in, device_change).", "short",
		q{activationsTodayByKind, "{{kind}}"}).withDecimals(0).withOptions(map[string]any{"orientation": "vertical"}))
	b.add(9, 7, stat("Activations today per model · 모델별 개통",
		"Activations completed since midnight, per model and kind.", "short",
		q{activationsTodayByModelKind, "{{model}} · {{kind}}"}).withDecimals(0))
	b.add(9, 7, stat("Last hour per model · 최근 1시간 개통",
		"Activations completed in the last 60 minutes, per model and kind (recording rule model_kind:kos_activations:increase1h).", "short",
		q{`model_kind:kos_activations:increase1h`, "{{model}} · {{kind}}"}).withDecimals(0))
	b.add(6, 5, stat("Port-in vs port-out today · 번호이동",
		"Number-portability requests since midnight: port-in (other carrier to us) and port-out (us to another carrier).", "short",
		q{`sum by (direction) (increase(kos_mnp_ports_total[$__range]))`, "port-{{direction}}"}).withDecimals(0))
	b.add(6, 5, stat("Port-in vs port-out last hour",
		"Number-portability requests in the last 60 minutes by direction.", "short",
		q{`direction:kos_mnp_ports:increase1h`, "port-{{direction}}"}).withDecimals(0))
	b.add(6, 5, stat("MNP opening message failures · 개시 전문",
		"Share of MNP opening messages that failed over the last 5 minutes, by direction. Red at the alert threshold.", "percentunit",
		q{`direction:kos_mnp_opening_messages_failed:ratio_rate5m`, "port-{{direction}}"}).
		withThresholds(highIsBad(b.threshold("mnp_opening_failure_ratio")/2, b.threshold("mnp_opening_failure_ratio"))).
		withLinks(b.runbook("KOSMNPOpeningMessageFailures", "KOSMNPOpeningMessagesDelayed")))
	b.add(6, 5, stat("Activations per minute · 개통 속도",
		"Activations completed per minute over the last 5 minutes. Red below the stall threshold.", "cpm",
		q{`sum(job:kos_activations:rate5m) * 60`, "per minute"}).
		withThresholds(lowIsBad(b.threshold("activations_stalled_per_second")*60)).
		withLinks(b.runbook("KOSActivationsStalled", "KOSPortInStalled")))

	b.row("Integration · 연동")
	b.add(9, 6, stat("Agency error ratio · 기관 오류율",
		"Share of calls to each outside agency (SGI, KAIT, Mobins, NICE) that returned an error or timed out over the last 5 minutes. Red at the alert threshold.", "percentunit",
		q{`agency:kos_agency_call_errors:ratio_rate5m`, "{{agency}}"}).
		withThresholds(highIsBad(b.threshold("agency_error_ratio")/2, b.threshold("agency_error_ratio"))).
		withLinks(b.runbook("KOSAgencyErrorRatioHigh")))
	b.add(9, 6, stat("Agency latency p95 · 기관 응답시간",
		"95th percentile of outside-agency call latency over the last 5 minutes; KOS gives up at 3 s. Red at the alert threshold.", "s",
		q{`agency_quantile:kos_agency_call_duration_seconds:histogram_quantile{quantile="0.95"}`, "{{agency}}"}).
		withThresholds(highIsBad(b.threshold("agency_latency_p95_seconds")/2, b.threshold("agency_latency_p95_seconds"))).
		withLinks(b.runbook("KOSAgencyLatencyHigh")))
	b.add(6, 6, stat("Agency calls per minute · 기관 호출",
		"Calls to each outside agency per minute over the last 5 minutes. 0 while activations go on means the integration is cut.", "cpm",
		q{`agency:kos_agency_calls:rate5m * 60`, "{{agency}}"}).withLinks(b.runbook("KOSAgencyNoTraffic")))

	b.row("Product · 상품")
	b.add(14, 5, stat("Product call failures · 상품 연동 실패율",
		"Share of product calls at activation time (rate plan, add-on, premium device change, tablet, smart activation, OTT post-processing) that failed over the last 5 minutes. Red at the alert threshold.", "percentunit",
		q{`product:kos_product_calls_failed:ratio_rate5m`, "{{product}}"}).
		withThresholds(highIsBad(b.threshold("product_failure_ratio")/2, b.threshold("product_failure_ratio"))).
		withLinks(b.runbook("KOSProductCallFailures")))
	b.add(10, 5, stat("Product calls per minute · 상품 호출",
		"Product calls per minute over the last 5 minutes, by product.", "cpm",
		q{`product:kos_product_calls:rate5m * 60`, "{{product}}"}))

	b.row("Device · 기기")
	b.add(4, 5, stat("Wait queue · 대기 건",
		"Items waiting in the activation wait queue now.", "short", q{`sum(kos_wait_queue_depth)`, "waiting"}).
		withLinks(b.runbook("KOSWaitQueueBacklog")))
	b.add(4, 5, stat("Under threshold · 임계치 미달 대기",
		"Waiting items whose model's stock is under the allocation threshold (served by hand).", "short",
		q{`sum(kos_wait_queue_below_threshold)`, "under threshold"}))
	b.add(4, 5, stat("Oldest wait · 최장 대기",
		"How long the oldest waiting item has waited. Red at the alert threshold for items under the stock threshold.", "s",
		q{`max(kos_wait_queue_oldest_age_seconds)`, "oldest"}).
		withThresholds(highIsBad(b.threshold("wait_queue_below_threshold_age_seconds")/2, b.threshold("wait_queue_below_threshold_age_seconds"))).
		withLinks(b.runbook("KOSWaitQueueBelowThresholdWaiting")))
	b.add(4, 5, stat("OTA pending · OTA 대기",
		"OTA USIM updates requested and not completed.", "short", q{`sum(kos_ota_updates_pending)`, "pending"}))
	b.add(8, 5, stat("Oldest OTA update · OTA 지연",
		"Age of the oldest pending OTA USIM update: a customer's new phone is waiting for its USIM data. Red at the alert threshold.", "s",
		q{`max(kos_ota_update_oldest_pending_age_seconds)`, "oldest"}).
		withThresholds(highIsBad(b.threshold("ota_pending_age_seconds")/2, b.threshold("ota_pending_age_seconds"))).
		withLinks(b.runbook("KOSOTAUpdatesDelayed")))
	b.add(8, 6, stat("Insurance sync lag · 보험 연동 지연",
		"How long the oldest device-insurance sign-up has waited on each sync leg (KOS → Mobins, Mobins → KAIT). The KAIT pre-check SKIP switch clears the KAIT leg. Red at the alert threshold.", "s",
		q{`max by (leg) (kos_insurance_sync_oldest_pending_age_seconds)`, "{{leg}}"}).
		withThresholds(highIsBad(b.threshold("insurance_sync_age_seconds")/2, b.threshold("insurance_sync_age_seconds"))).
		withDisplayNames(legs...).withLinks(b.runbook("KOSInsuranceSyncLag")))
	b.add(10, 6, referenceSwitches(b, stat("Reference switches · 기준정보 스위치",
		"Operational switches (references) on or off now. A temporary SKIP switch that is on is red: turn it off when the incident is over. The error-queue automator is red when off.", "bool_on_off",
		q{switchState, "{{switch}}"})))
	b.add(6, 6, stat("Reference data applied · 기준정보 적용",
		"Whether the launch reference data (sponsor subsidy, device-insurance reference) is applied for every model: MISSING when any model lacks it.", "bool",
		q{`min by (reference) (kos_reference_data_applied)`, "{{reference}}"}).
		withMappings(mapping{Type: "value", Options: map[string]mappingValue{
			"0": {Text: "MISSING", Color: "red", Index: 0}, "1": {Text: "applied", Color: "green", Index: 1},
		}}).withThresholds(lowIsBad(1)).withLinks(b.runbook("KOSReferenceDataNotApplied")))

	b.add(6, 4, stat("Device changes today · 기기변경",
		"Device changes completed since midnight.", "short",
		q{`sum(increase(kos_activations_total{kind="device_change", result="completed"}[$__range]))`, "today"}).withDecimals(0))
	b.add(6, 4, stat("Device changes last hour",
		"Device changes completed in the last 60 minutes (recording rule model_kind:kos_activations:increase1h).", "short",
		q{`sum(model_kind:kos_activations:increase1h{kind="device_change"})`, "last hour"}).withDecimals(0))
	b.add(6, 4, stat("Insurance sign-ups today · 보험 가입",
		"Device-insurance sign-ups since midnight.", "short",
		q{`sum(increase(kos_insurance_signups_total[$__range]))`, "today"}).withDecimals(0))
	b.add(6, 4, stat("Insurance sign-ups last hour",
		"Device-insurance sign-ups in the last 60 minutes (recording rule model:kos_insurance_signups:increase1h).", "short",
		q{`sum(model:kos_insurance_signups:increase1h)`, "last hour"}).withDecimals(0))

	b.row("Error queue · 에러 큐")
	b.add(6, 5, stat("Error queue depth · 에러 큐",
		"Failed transactions queued for reprocessing now, all reasons. Red at the alert threshold.", "short",
		q{errorQueueDepth, "queued"}).
		withThresholds(highIsBad(b.threshold("error_queue_depth")/2, b.threshold("error_queue_depth"))).
		withLinks(b.runbook("KOSErrorQueueGrowing")))
	b.add(12, 5, stat("Error queue by reason",
		"Failed transactions queued now, by reason (sgi_guarantee, mnp_opening, product_call, ota).", "short",
		q{`sum by (reason) (kos_error_queue_depth)`, "{{reason}}"}).
		withThresholds(highIsBad(b.threshold("error_queue_depth")/2, b.threshold("error_queue_depth"))))
	b.add(6, 5, stat("Given up (15 min) · 재처리 포기",
		"Items whose retries ran out in the last 15 minutes; each needs a person.", "short",
		q{`sum(reason:kos_error_queue_given_up:increase15m) or vector(0)`, "given up"}).withDecimals(0).
		withThresholds(highIsBad(1, b.threshold("error_queue_given_up_15m"))).
		withLinks(b.runbook("KOSErrorQueueGivingUp", "KOSErrorQueueReprocessingFailing")))
	return b.build()
}

// referenceSwitches colours a switch panel: a SKIP switch is bad when on,
// the error-queue automator when off.
func referenceSwitches(b *board, p *panel) *panel {
	p.withMappings(onOff("green", "red")).withThresholds(highIsBad(1, 1)).
		withOverride("error_queue_auto_reprocess",
			property{ID: "mappings", Value: []mapping{onOff("red", "green")}},
			property{ID: "thresholds", Value: lowIsBad(1)}).
		withLinks(b.runbook("KOSSkipSwitchOn", "KOSSkipSwitchOnTooLong", "KOSErrorQueueAutomatorOff"))
	return p
}

// firingAlerts lists the KOS alerts firing now. Its runbook column maps
// each alert name to its runbooks.md anchor (Grafana cannot lower-case a
// value), and links there.
func firingAlerts(b *board) *panel {
	anchors := map[string]mappingValue{}
	for i, a := range b.in.alertNames {
		anchors[a] = mappingValue{Text: "#" + strings.ToLower(a), Index: i}
	}
	return table("Firing alerts · 발생 알람",
		"KOS alerts firing now in Prometheus, with the part that acts and a link to each runbook.", "none",
		q{`max by (alertname, runbook, severity, part, agency, leg, reason, product, switch, collector) (label_replace(ALERTS{alertstate="firing", alertname=~"KOS.+"}, "runbook", "$1", "alertname", "(.+)"))`, ""}).
		withTransformations(transformation{ID: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true, "Value": true},
			"indexByName":   map[string]int{"severity": 0, "part": 1, "alertname": 2, "runbook": 9},
		}}).
		withOverride("runbook",
			property{ID: "mappings", Value: []mapping{{Type: "value", Options: anchors}}},
			property{ID: "links", Value: []link{{Title: "Runbook", URL: strings.TrimSuffix(runbookBase, "#") + "${__value.text}", TargetBlank: true}}}).
		withOverride("severity", property{ID: "custom.cellOptions", Value: map[string]any{"type": "color-background"}},
			property{ID: "mappings", Value: []mapping{{Type: "value", Options: map[string]mappingValue{
				"critical": {Text: "critical", Color: "red", Index: 0},
				"warning":  {Text: "warning", Color: "orange", Index: 1},
				"info":     {Text: "info", Color: "blue", Index: 2},
			}}}})
}
