package main

import "strings"

// warRoom is the wall: today's numbers per part, readable across a room.
// Its time range is today so far, so [$__range] counts since local
// midnight, when the exporter's day counters restart.
func warRoom(in *inputs) (*dashboard, error) {
	b := newBoard(in, boardSpec{
		uid: "kos-warroom", title: "KOS war-room · 상황실", wall: true,
		description: "Launch-day wall: today's activations, port-ins and port-outs, outside agencies, product calls, wait queue, OTA, insurance sync, reference switches and the error queue, one row per part. Open in kiosk mode.",
		refresh:     "15s", from: "now/d", to: "now",
	})
	s := warRoomSignals()

	b.row("Alerts · 알람")
	b.add(18, 6, firingAlerts(b))
	b.add(6, 6, b.show(stat, "Collectors failing · 수집 실패", "kos_exporter collectors whose last run failed: their numbers are missing from this wall. Details on the exporter health dashboard.", s.collectorsFailing))

	b.row("Contract · 계약")
	b.add(6, 7, b.show(stat, "Activations today · 개통", "Activations completed since midnight, by kind (new, port_in, device_change).", s.activationsToday).withDecimals(0).withOptions(map[string]any{"orientation": "vertical"}))
	b.add(9, 7, b.show(stat, "Activations today per model · 모델별 개통", "Activations completed since midnight, per model and kind.", s.activationsTodayByModel).withDecimals(0))
	b.add(9, 7, b.show(stat, "Last hour per model · 최근 1시간 개통", "Activations completed in the last 60 minutes, per model and kind (recording rule model_kind:kos_activations:increase1h).", s.activationsLastHour).withDecimals(0))
	b.add(6, 5, b.show(stat, "Port-in vs port-out today · 번호이동", "Number-portability requests since midnight: port-in (other carrier to us) and port-out (us to another carrier).", s.portsToday).withDecimals(0))
	b.add(6, 5, b.show(stat, "Port-in vs port-out last hour", "Number-portability requests in the last 60 minutes by direction.", s.portsLastHour).withDecimals(0))
	b.add(6, 5, b.show(stat, "MNP opening message failures · 개시 전문", "Share of MNP opening messages that failed over the last 5 minutes, by direction. Red at the alert threshold.", s.mnpOpeningFailures))
	b.add(6, 5, b.show(stat, "Activations per minute · 개통 속도", "Activations completed per minute over the last 5 minutes. Red below the stall threshold.", s.activationRate))

	b.row("Integration · 연동")
	b.add(9, 6, b.show(stat, "Agency error ratio · 기관 오류율", "Share of calls to each outside agency (SGI, KAIT, Mobins, NICE) that returned an error or timed out over the last 5 minutes. Red at the alert threshold.", s.agencyErrors))
	b.add(9, 6, b.show(stat, "Agency latency p95 · 기관 응답시간", "95th percentile of outside-agency call latency over the last 5 minutes; KOS gives up at 3 s. Red at the alert threshold.", s.agencyLatencyP95))
	b.add(6, 6, b.show(stat, "Agency calls per minute · 기관 호출", "Calls to each outside agency per minute over the last 5 minutes. 0 while activations go on means the integration is cut.", s.agencyCalls))

	b.row("Product · 상품")
	b.add(14, 5, b.show(stat, "Product call failures · 상품 연동 실패율", "Share of product calls at activation time (rate plan, add-on, premium device change, tablet, smart activation, OTT post-processing) that failed over the last 5 minutes. Red at the alert threshold.", s.productFailures))
	b.add(10, 5, b.show(stat, "Product calls per minute · 상품 호출", "Product calls per minute over the last 5 minutes, by product.", s.productCalls))

	b.row("Device · 기기")
	b.add(4, 5, b.show(stat, "Wait queue · 대기 건", "Items waiting in the activation wait queue now.", s.waitQueueDepth))
	b.add(4, 5, b.show(stat, "Under threshold · 임계치 미달 대기", "Waiting items whose model's stock is under the allocation threshold (served by hand).", s.waitQueueBelowThreshold))
	b.add(4, 5, b.show(stat, "Oldest wait · 최장 대기", "How long the oldest waiting item has waited. Red at the alert threshold for items under the stock threshold.", s.waitQueueOldest))
	b.add(4, 5, b.show(stat, "OTA pending · OTA 대기", "OTA USIM updates requested and not completed.", s.otaPending))
	b.add(8, 5, b.show(stat, "Oldest OTA update · OTA 지연", "Age of the oldest pending OTA USIM update: a customer's new phone is waiting for its USIM data. Red at the alert threshold.", s.otaOldest))
	b.add(8, 6, b.show(stat, "Insurance sync lag · 보험 연동 지연", "How long the oldest device-insurance sign-up has waited on each sync leg (KOS → Mobins, Mobins → KAIT). The KAIT pre-check SKIP switch clears the KAIT leg. Red at the alert threshold.", s.insuranceSyncLag))
	b.add(10, 6, b.show(stat, "Reference switches · 기준정보 스위치", "Operational switches (references) on or off now. A temporary SKIP switch that is on is red: turn it off when the incident is over. The error-queue automator is red when off.", s.switches))
	b.add(6, 6, b.show(stat, "Reference data applied · 기준정보 적용", "Whether the launch reference data (sponsor subsidy, device-insurance reference) is applied for every model: MISSING when any model lacks it.", s.referenceApplied))

	b.add(6, 4, b.show(stat, "Device changes today · 기기변경", "Device changes completed since midnight.", s.deviceChangesToday).withDecimals(0))
	b.add(6, 4, b.show(stat, "Device changes last hour", "Device changes completed in the last 60 minutes (recording rule model_kind:kos_activations:increase1h).", s.deviceChangesLastHour).withDecimals(0))
	b.add(6, 4, b.show(stat, "Insurance sign-ups today · 보험 가입", "Device-insurance sign-ups since midnight.", s.insuranceSignupsToday).withDecimals(0))
	b.add(6, 4, b.show(stat, "Insurance sign-ups last hour", "Device-insurance sign-ups in the last 60 minutes (recording rule model:kos_insurance_signups:increase1h).", s.insuranceSignupsLastHourAll).withDecimals(0))

	b.row("Error queue · 에러 큐")
	b.add(6, 5, b.show(stat, "Error queue depth · 에러 큐", "Failed transactions queued for reprocessing now, all reasons. Red at the alert threshold.", s.errorQueueDepth))
	b.add(12, 5, b.show(stat, "Error queue by reason", "Failed transactions queued now, by reason (sgi_guarantee, mnp_opening, product_call, ota).", s.errorQueueByReason))
	b.add(6, 5, b.show(stat, "Given up (15 min) · 재처리 포기", "Items whose retries ran out in the last 15 minutes; each needs a person.", s.givenUp).withDecimals(0))
	return b.build()
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
			property{ID: "links", Value: []link{{Title: "Runbook", URL: b.in.runbooks + "${__value.text}", TargetBlank: true}}}).
		withOverride("severity", property{ID: "custom.cellOptions", Value: map[string]any{"type": "color-background"}},
			property{ID: "mappings", Value: []mapping{{Type: "value", Options: map[string]mappingValue{
				"critical": {Text: "critical", Color: "red", Index: 0},
				"warning":  {Text: "warning", Color: "orange", Index: 1},
				"info":     {Text: "info", Color: "blue", Index: 2},
			}}}})
}
