package main

import "strings"

// warRoom is the wall: today's numbers per part, readable across a room.
// Its time range is today so far, so [$__range] counts since local
// midnight, when the exporter's day counters restart.
func warRoom(in *inputs) (*dashboard, error) {
	b := newBoard(in, boardSpec{
		uid: "kos-warroom", title: "KOS 상황실 · War-room", wall: true,
		description: "실판 상황실 화면: 파트마다 한 줄로 당일 개통, 포트인/포트아웃, 대외기관, 상품 호출, 대기 순번, USIM OTA, 단말보험 연동, 레퍼런스 스위치, 오류 큐. 키오스크 모드로 여십시오. Launch-day wall: today's activations, port-ins and port-outs, outside agencies, product calls, wait queue, OTA, insurance sync, reference switches and the error queue, one row per part. Open in kiosk mode.",
		refresh:     "15s", from: "now/d", to: "now",
	})
	s := warRoomSignals()

	b.row("알람 · Alerts")
	b.add(18, 6, firingAlerts(b))
	b.add(6, 6, b.show(stat, "수집 실패 · Collectors failing", "마지막 실행이 실패한 kos_exporter 수집기 수: 그 숫자들은 이 화면에서 빠집니다. kos_exporter collectors whose last run failed: their numbers are missing from this wall. Details on the exporter health dashboard.", s.collectorsFailing))

	b.row("계약 · Contract")
	b.add(6, 7, b.show(stat, "당일 개통 · Activations today", "자정 이후 유형(신규, 포트인, 기기변경)별 개통 완료 건수. Activations completed since midnight, by kind (new, port_in, device_change).", s.activationsToday).withDecimals(0).withOptions(map[string]any{"orientation": "vertical"}))
	b.add(9, 7, b.show(stat, "모델별 당일 개통 · Activations today per model", "자정 이후 모델·유형별 개통 완료 건수. Activations completed since midnight, per model and kind.", s.activationsTodayByModel).withDecimals(0))
	b.add(9, 7, b.show(stat, "최근 1시간 모델별 개통 · Last hour per model", "최근 60분 모델·유형별 개통 완료 건수. Activations completed in the last 60 minutes, per model and kind (recording rule model_kind:kos_activations:increase1h).", s.activationsLastHour).withDecimals(0))
	b.add(6, 5, b.show(stat, "당일 번호이동 포트인/포트아웃 · Port-in vs port-out today", "자정 이후 번호이동 요청: 포트인(타사에서 당사로)과 포트아웃(당사에서 타사로). Number-portability requests since midnight: port-in (other carrier to us) and port-out (us to another carrier).", s.portsToday).withDecimals(0))
	b.add(6, 5, b.show(stat, "최근 1시간 포트인/포트아웃 · Port-in vs port-out last hour", "최근 60분 방향별 번호이동 요청 건수. Number-portability requests in the last 60 minutes by direction.", s.portsLastHour).withDecimals(0))
	b.add(6, 5, b.show(stat, "개시 전문 실패율 · MNP opening message failures", "방향별 번호이동 개시 전문 실패 비율(5분 기준). 알람 임계치에서 빨간색. Share of MNP opening messages that failed over the last 5 minutes, by direction. Red at the alert threshold.", s.mnpOpeningFailures))
	b.add(6, 5, b.show(stat, "분당 개통 · Activations per minute", "최근 5분 분당 개통 완료 건수: 정체 임계치 아래면 빨간색. Activations completed per minute over the last 5 minutes. Red below the stall threshold.", s.activationRate))

	b.row("연동 · Integration")
	b.add(9, 6, b.show(stat, "대외기관 오류율 · Agency error ratio", "대외기관(SGI 서울보증, KAIT, Mobins(모빈스), NICE)별 호출 중 오류나 타임아웃의 비율(5분 기준). 알람 임계치에서 빨간색. Share of calls to each outside agency (SGI, KAIT, Mobins, NICE) that returned an error or timed out over the last 5 minutes. Red at the alert threshold.", s.agencyErrors))
	b.add(9, 6, b.show(stat, "대외기관 응답시간 p95 · Agency latency p95", "최근 5분 대외기관 호출 응답시간의 95번째 백분위: KOS는 3초에서 포기합니다. 알람 임계치에서 빨간색. 95th percentile of outside-agency call latency over the last 5 minutes; KOS gives up at 3 s. Red at the alert threshold.", s.agencyLatencyP95))
	b.add(6, 6, b.show(stat, "분당 대외기관 호출 · Agency calls per minute", "최근 5분 대외기관별 분당 호출 건수: 개통이 진행되는데 0이면 연동이 끊긴 것입니다. Calls to each outside agency per minute over the last 5 minutes. 0 while activations go on means the integration is cut.", s.agencyCalls))

	b.row("상품 · Product")
	b.add(14, 5, b.show(stat, "상품 연동 오류율 · Product call failures", "최근 5분 개통 시점 상품(요금제, 부가서비스, 우수 기변, 패드개통, 스마트 개통, OTT 후처리) 호출의 실패 비율. 알람 임계치에서 빨간색. Share of product calls at activation time (rate plan, add-on, premium device change, tablet, smart activation, OTT post-processing) that failed over the last 5 minutes. Red at the alert threshold.", s.productFailures))
	b.add(10, 5, b.show(stat, "분당 상품 호출 · Product calls per minute", "최근 5분 상품별 분당 호출 건수. Product calls per minute over the last 5 minutes, by product.", s.productCalls))

	b.row("기기 · Device")
	b.add(4, 5, b.show(stat, "대기 건 · Wait queue", "지금 개통 대기열에 있는 건수. Items waiting in the activation wait queue now.", s.waitQueueDepth))
	b.add(4, 5, b.show(stat, "임계치 미달 대기 건 · Under threshold", "모델 재고가 할당 임계치에 못 미쳐 대기 중인 건(수작업 처리). Waiting items whose model's stock is under the allocation threshold (served by hand).", s.waitQueueBelowThreshold))
	b.add(4, 5, b.show(stat, "임계치 미달 최장 대기 · Oldest under threshold", "임계치 미달 대기 건 중 가장 오래 기다린 건의 대기 시간. 알람 임계치에서 빨간색. How long the oldest item under the stock threshold has waited. Red at the alert threshold.", s.waitQueueBelowOldest))
	b.add(4, 5, b.show(stat, "USIM OTA 대기 · OTA pending", "요청 후 완료되지 않은 USIM OTA 건수. OTA USIM updates requested and not completed.", s.otaPending))
	b.add(8, 5, b.show(stat, "USIM OTA 지연 · Oldest OTA update", "완료되지 않은 USIM OTA 중 가장 오래된 건의 경과 시간: 고객의 새 단말이 USIM 데이터를 기다립니다. 알람 임계치에서 빨간색. Age of the oldest pending OTA USIM update: a customer's new phone is waiting for its USIM data. Red at the alert threshold.", s.otaOldest))
	b.add(8, 6, b.show(stat, "단말보험 연동 지연 · Insurance sync lag", "연동 구간(KOS → Mobins, Mobins → KAIT)별로 가장 오래 기다린 단말보험 가입 건의 대기 시간. KAIT보험 사전체크 SKIP 스위치를 켜도 KAIT 구간의 지연은 그대로 보입니다(연동은 뒤에서 계속됨). 알람 임계치에서 빨간색. How long the oldest device-insurance sign-up has waited on each sync leg (KOS → Mobins, Mobins → KAIT). The KAIT leg stays visible while the pre-check SKIP switch is on (the sync goes on behind it). Red at the alert threshold.", s.insuranceSyncLag))
	b.add(10, 6, b.show(stat, "레퍼런스 스위치 · Reference switches", "지금 켜지거나 꺼진 레퍼런스(운영 스위치). 켜져 있는 임시 SKIP 스위치는 빨간색이니 장애가 끝나면 끄십시오. 오류 큐 자동 재처리는 꺼져 있을 때 빨간색. Operational switches (references) on or off now. A temporary SKIP switch that is on is red: turn it off when the incident is over. The error-queue automator is red when off.", s.switches))
	b.add(6, 6, b.show(stat, "기준정보 현행화 · Reference data applied", "출시 기준정보(스폰서 지원금, 단말보험)가 모든 모델에 적용되었는지: 한 모델이라도 빠지면 MISSING. Whether the launch reference data (sponsor subsidy, device-insurance reference) is applied for every model: MISSING when any model lacks it.", s.referenceApplied))

	b.add(8, 4, b.show(stat, "KAIT보험 사전체크 SKIP 해제 · Turn the KAIT SKIP off?", "KAIT보험 사전체크 SKIP 스위치: 꺼짐, 켜짐(연동이 따라잡기를 기다리는 중), 끄십시오(Mobins → KAIT 연동과 사후체크가 5분째 밀리지 않음: KOSSkipSwitchSafeToTurnOff). The KAIT pre-check SKIP switch: off; on, waiting for the sync to catch up; turn it off (the Mobins → KAIT sync and the post-checks have kept up for 5 minutes: KOSSkipSwitchSafeToTurnOff).", s.skipTurnOff))
	b.add(8, 4, b.show(stat, "사전체크 SKIP 가입 · Sign-ups that skipped the pre-check", "자정 이후 KAIT 사전체크 없이 가입된 단말보험 건수와, 그중 아직 KAIT 확인(사후체크)을 기다리는 건수. Device-insurance sign-ups since midnight that skipped KAIT's pre-check, and those still awaiting KAIT's confirmation (the post-check).", s.precheckSkippedToday, s.postcheckPending).withDecimals(0))
	b.add(8, 4, b.show(stat, "사후체크 최장 대기 · Oldest unconfirmed skipped sign-up", "사전체크를 건너뛴 가입 건 중 KAIT 확인을 가장 오래 기다린 건의 대기 시간(가입 시점부터). 빨간색이 사라지고 5분이 지나야 스위치를 끌 수 있습니다. How long the oldest skipped sign-up has waited for KAIT's confirmation since it was signed. The switch can go off 5 minutes after this leaves red.", s.postcheckOldest))

	b.add(6, 4, b.show(stat, "당일 기기변경 · Device changes today", "자정 이후 완료된 기기변경 건수. Device changes completed since midnight.", s.deviceChangesToday).withDecimals(0))
	b.add(6, 4, b.show(stat, "최근 1시간 기기변경 · Device changes last hour", "최근 60분 완료된 기기변경 건수. Device changes completed in the last 60 minutes (recording rule model_kind:kos_activations:increase1h).", s.deviceChangesLastHour).withDecimals(0))
	b.add(6, 4, b.show(stat, "당일 단말보험 가입 · Insurance sign-ups today", "자정 이후 단말보험 가입 건수. Device-insurance sign-ups since midnight.", s.insuranceSignupsToday).withDecimals(0))
	b.add(6, 4, b.show(stat, "최근 1시간 단말보험 가입 · Insurance sign-ups last hour", "최근 60분 단말보험 가입 건수. Device-insurance sign-ups in the last 60 minutes (recording rule model:kos_insurance_signups:increase1h).", s.insuranceSignupsLastHourAll).withDecimals(0))

	b.row("오류 큐 재처리 · Error queue")
	b.add(6, 5, b.show(stat, "오류 큐 적체 · Error queue depth", "지금 재처리를 기다리는 실패 거래 건수, 모든 사유. 알람 임계치에서 빨간색. Failed transactions queued for reprocessing now, all reasons. Red at the alert threshold.", s.errorQueueDepth))
	b.add(12, 5, b.show(stat, "사유별 오류 큐 · Error queue by reason", "지금 오류 큐에 있는 실패 거래, 사유별. Failed transactions queued now, by reason (sgi_guarantee, mnp_opening, product_call, ota).", s.errorQueueByReason))
	b.add(6, 5, b.show(stat, "재처리 포기 (15분) · Given up (15 min)", "최근 15분 동안 재시도를 모두 소진한 건: 건마다 사람이 처리해야 합니다. Items whose retries ran out in the last 15 minutes; each needs a person.", s.givenUp).withDecimals(0))
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
	return table("발생 알람 · Firing alerts",
		"지금 Prometheus에서 발생 중인 KOS 알람과 담당 파트, 런북 링크. KOS alerts firing now in Prometheus, with the part that acts and a link to each runbook.", "none",
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
