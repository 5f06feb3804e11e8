package main

// The drill-downs: one per part, with the time series behind each number
// on the wall. Rates are per minute, as the war-room counts.

// drillDown starts a part's drill-down, with the war-room signals it graphs.
func drillDown(in *inputs, uid, title, description string) (*board, signals) {
	spec := boardSpec{uid: uid, title: title, description: description, refresh: "30s", from: "now-6h", to: "now"}
	return newBoard(in, spec), warRoomSignals()
}

func contract(in *inputs) (*dashboard, error) {
	b, s := drillDown(in, "kos-contract", "KOS 계약 파트 · Contract part",
		"모델·유형별 개통, 번호이동(포트인, 포트아웃)과 개시 전문. Activations per model and kind, number portability (port-in, port-out) and MNP opening messages.")
	b.row("개통 · Activations")
	b.add(12, 8, b.show(timeseries, "유형별 분당 개통 · Activations per minute by kind", "유형(신규, 포트인, 기기변경)별 분당 개통 완료 건수(5분 기준). Activations completed per minute (5-minute rate) by kind.", s.activationRateByKind))
	b.add(12, 8, timeseries("모델별 분당 개통 · Activations per minute by model",
		"모델별 분당 개통 완료 건수(5분 기준). Activations completed per minute (5-minute rate) by model.", "cpm",
		q{`sum by (model) (model_kind:kos_activations:rate5m) * 60`, "{{model}}"}))
	b.add(12, 8, timeseries("분당 개통 요청과 결과 · Requests and results per minute",
		"분당 개통 요청, 완료, 실패 건수(5분 기준). Activation requests (5-minute rate) and completions and failures per minute, all models.", "cpm",
		q{`sum(job:kos_activation_requests:rate5m) * 60`, "requested"},
		q{`sum by (result) (rate(kos_activations_total[$__rate_interval])) * 60`, "{{result}}"}))
	b.add(12, 8, timeseries("유형과 채널별 개통 실패 · Failed activations per minute by kind and channel",
		"유형과 채널별 분당 개통 실패 건수. Activations that failed, per minute, by kind and channel (retail, online, call centre).", "cpm",
		q{`sum by (kind, channel) (rate(kos_activations_total{result="failed"}[$__rate_interval])) * 60`, "{{kind}} · {{channel}}"}))
	b.add(12, 8, timeseries("진행 중 개통 · Activations in progress",
		"요청 후 아직 완료도 실패도 되지 않은 개통 건수. Activations requested and not yet completed or failed; grows when activations stall.", "short",
		q{`sum(kos_activations_in_progress)`, "in progress"}))
	b.add(12, 8, timeseries("최장 진행 중 개통 · Oldest activation in progress",
		"진행 중인 개통 중 가장 오래된 건의 경과 시간. Age of the oldest activation still in progress.", "s",
		q{`max(kos_activation_oldest_in_progress_age_seconds)`, "oldest"}))
	b.add(24, 8, b.show(timeseries, "시간대별 개통 · Activations per hour by model and kind", "hh:00 막대는 직전 1시간의 모델·유형별 개통 완료 건수입니다. Each bar at hh:00 is the hour before (recording rule model_kind:kos_activations:increase1h); the results table has the same numbers as a table.", s.activationsLastHour).hourly().bars())

	b.row("번호이동 · Number portability")
	b.add(12, 8, timeseries("분당 포트인/포트아웃 · Port-in and port-out per minute",
		"방향별 분당 번호이동 요청 건수(포트인 = 타사에서 당사로, 포트아웃 = 당사에서 타사로). Number-portability requests per minute by direction (in = to us, out = to another carrier).", "cpm",
		q{`direction:kos_mnp_ports:rate5m * 60`, "port-{{direction}}"}))
	b.add(12, 8, timeseries("상대 통신사별 번호이동 · Ports per minute by other carrier",
		"방향과 상대 통신사별 분당 번호이동 요청 건수. Number-portability requests per minute by direction and the other carrier.", "cpm",
		q{`sum by (direction, other_carrier) (rate(kos_mnp_ports_total[$__rate_interval])) * 60`, "port-{{direction}} · {{other_carrier}}"}))
	b.add(12, 8, b.show(timeseries, "개통 중 포트인 비중 · Port-in share of activations", "완료된 개통 중 포트인의 비율. 점선은 알람 임계치입니다. Port-ins as a share of all completed activations (about a third on a normal launch day). The dashed line is the alert threshold.", s.portInShare))
	b.add(12, 8, b.show(timeseries, "개시 전문 실패율 · MNP opening message failures", "방향별 번호이동 개시 전문 실패 비율(5분 기준). 점선은 알람 임계치입니다. Share of MNP opening messages that failed (5-minute rate) by direction. The dashed lines are the alert threshold.", s.mnpOpeningFailures))
	b.add(12, 8, timeseries("개시 전문 대기 · MNP opening messages pending",
		"개시 전문이 아직 생성되지 않은 번호이동 요청 건수. MNP requests whose opening message is not generated yet.", "short",
		q{`sum(kos_mnp_opening_messages_pending)`, "pending"}))
	b.add(12, 8, b.show(timeseries, "최장 개시 전문 대기 · Oldest pending opening message", "개시 전문을 기다리는 번호이동 요청 중 가장 오래된 건의 경과 시간. Age of the oldest MNP request still waiting for its opening message.", s.mnpOpeningOldest))
	return b.build()
}

func integration(in *inputs) (*dashboard, error) {
	b, s := drillDown(in, "kos-integration", "KOS 연동 파트 · Integration part",
		"대외기관(SGI 서울보증, KAIT, Mobins(모빈스), NICE)의 호출량, 오류율, 타임아웃, 응답시간. Outside agencies (SGI, KAIT, Mobins, NICE): traffic, errors, timeouts and latency.")
	b.row("대외기관 · Agencies")
	b.add(12, 8, b.show(timeseries, "대외기관 오류율 · Agency error ratio", "대외기관(SGI 서울보증, KAIT, Mobins(모빈스), NICE)별 호출 중 오류나 타임아웃의 비율(5분 기준). 점선은 알람 임계치입니다. Share of calls to each agency that returned an error or timed out (5-minute rate). The dashed lines are the alert threshold.", s.agencyErrors))
	b.add(12, 8, b.show(timeseries, "결과별 분당 대외기관 호출 · Agency calls per minute by result", "대외기관과 결과(ok, error, timeout)별 분당 호출 건수. Calls per minute to each agency by result (ok, error, timeout). No calls while activations go on means the integration is cut.", s.agencyCallsByResult))
	b.add(12, 8, b.show(timeseries, "대외기관 응답시간 분위수 · Agency latency quantiles", "대외기관별 호출 응답시간의 중앙값, 95번째와 99번째 백분위(5분 기준). 타임아웃은 3초로 셉니다. 점선은 p95 알람 임계치입니다. Median, 95th and 99th percentile of call latency per agency (5-minute rate); timeouts count as 3 s. The dashed lines are the p95 alert threshold.", s.agencyLatency))
	b.add(12, 8, timeseries("대외기관별 평균 응답시간 · Mean latency per agency",
		"대외기관별 평균 호출 응답시간. Average call latency per agency.", "s",
		q{`sum by (agency) (rate(kos_agency_call_duration_seconds_sum[$__rate_interval])) / sum by (agency) (rate(kos_agency_call_duration_seconds_count[$__rate_interval]))`, "{{agency}}"}))

	b.add(24, 8, heatmap("전체 대외기관 응답시간 분포 · Latency distribution, all agencies",
		"모든 대외기관 호출의 응답시간 구간별 초당 호출 수. Calls per second in each latency bucket, all agencies (recording rule agency_le:kos_agency_call_duration_seconds_bucket:rate5m); timeouts land in the 5 s bucket.", "s",
		q{`sum by (le) (agency_le:kos_agency_call_duration_seconds_bucket:rate5m)`, "{{le}}"}))

	b.add(24, 8, b.show(timeseries, "평소 대비 호출량 · Calls against their usual rate", "대외기관 업무별 개통 건당 호출이 평소(직전 3시간의 상위 사분위)의 몇 %인지. 점선 아래로 10분 계속되면 호출 일부가 나가지 않는 것입니다. Calls per activation of each agency operation as a share of their usual level (upper quartile of the 3 hours before); below the dashed line for 10 minutes some calls are not being made.", s.agencyCallsVsUsual))

	b.row("대외기관 업무 · Operations")
	b.add(12, 8, timeseries("업무와 결과별 초당 호출 · Calls per second by operation and result",
		"업무(operation)와 결과별 초당 호출 건수. Calls per second per agency operation (e.g. KAIT insurance_precheck) and result.", "reqps",
		q{`sum by (agency, operation, result) (rate(kos_agency_calls_total[$__rate_interval]))`, "{{agency}} {{operation}} · {{result}}"}))
	b.add(12, 8, timeseries("업무별 응답시간 p95 · p95 latency by operation",
		"대외기관 업무별 응답시간의 95번째 백분위. 95th percentile latency per agency operation.", "s",
		q{`histogram_quantile(0.95, sum by (agency, operation, le) (rate(kos_agency_call_duration_seconds_bucket[$__rate_interval])))`, "{{agency}} {{operation}}"}))
	b.add(24, 8, timeseries("업무별 초당 타임아웃 · Timeouts per second by operation",
		"KOS의 3초 제한 안에 응답이 없던 호출의 초당 건수, 대외기관 업무별. Calls that got no answer within KOS' 3 s limit, per second, by agency and operation.", "reqps",
		q{`sum by (agency, operation) (rate(kos_agency_calls_total{result="timeout"}[$__rate_interval]))`, "{{agency}} {{operation}}"}))
	return b.build()
}

func product(in *inputs) (*dashboard, error) {
	b, s := drillDown(in, "kos-product", "KOS 상품 파트 · Product part",
		"개통 시점 상품 호출: 요금제, 부가서비스, 우수 기변, 패드개통, 스마트 개통, OTT 후처리. Calls made at activation time: rate plan, add-on, premium device change, tablet and smart activation, OTT post-processing.")
	b.row("상품 연동 · Product calls")
	b.add(12, 8, b.show(timeseries, "상품 연동 오류율 · Product call failure ratio", "상품(요금제, 부가서비스, 우수 기변, 패드개통, 스마트 개통, OTT 후처리)별 호출 실패 비율(5분 기준). 점선은 알람 임계치입니다. Share of calls that failed (5-minute rate) by product. The dashed lines are the alert threshold.", s.productFailures))
	b.add(12, 8, b.show(timeseries, "분당 상품 호출 · Product calls per minute", "상품별 분당 호출 건수(5분 기준). Calls per minute by product (5-minute rate).", s.productCalls))
	b.add(12, 8, timeseries("업무와 결과별 초당 호출 · Calls per second by operation and result",
		"업무(operation)와 결과별 초당 호출 건수. Calls per second by product, operation (subscribe, change, ...) and result.", "reqps",
		q{`sum by (product, operation, result) (rate(kos_product_calls_total[$__rate_interval]))`, "{{product}} {{operation}} · {{result}}"}))
	b.add(12, 8, timeseries("OTT 후처리 · OTT post-processing",
		"결과별 초당 OTT 후처리 호출 건수. OTT product post-processing calls per second by result: a failure means the customer's OTT subscription is not handed over.", "reqps",
		q{`sum by (result) (rate(kos_product_calls_total{product="ott", operation="postprocess"}[$__rate_interval]))`, "{{result}}"}))
	b.add(12, 8, b.show(timeseries, "OTT 후처리 대기 · OTT post-processing backlog", "OTT 사업자에게 아직 넘어가지 않은 OTT 가입 건수. OTT subscriptions of completed activations not yet handed over to the OTT partner.", s.ottPending))
	b.add(12, 8, b.show(timeseries, "최장 OTT 후처리 대기 · Oldest pending OTT post-processing", "넘어가지 않은 OTT 가입 중 가장 오래된 건의 경과 시간: 호출은 성공해도 후처리가 멈추면 여기서만 보입니다. 점선은 알람 임계치입니다. Age of the oldest OTT hand-over still pending: a silent stop shows here only. The dashed line is the alert threshold.", s.ottOldest))
	b.add(24, 6, stat("기간 내 실패 호출 · Failed calls in the time range",
		"대시보드 기간 안에 실패한 상품 호출 건수, 상품별. Product calls that failed within the dashboard's time range, by product.", "short",
		q{`sum by (product) (increase(kos_product_calls_total{result="failed"}[$__range]))`, "{{product}}"}).withDecimals(0))
	return b.build()
}

func device(in *inputs) (*dashboard, error) {
	b, s := drillDown(in, "kos-device", "KOS 기기 파트 · Device part",
		"단말보험과 Mobins(모빈스) → KAIT 연동, 대기 순번, USIM OTA, 기기변경, 기준정보 현행화와 레퍼런스 스위치. Device insurance and its Mobins → KAIT sync, the wait queue, OTA USIM updates, device changes, reference data and switches.")
	b.row("단말보험 연동 · Insurance sync")
	b.add(12, 8, b.show(timeseries, "구간별 단말보험 연동 최장 대기 · Insurance sync oldest wait per leg", "연동 구간(KOS → Mobins, Mobins → KAIT)별로 가장 오래 기다린 단말보험 가입 건의 대기 시간. 점선은 알람 임계치입니다. How long the oldest sign-up has waited on each sync leg, whatever the KAIT pre-check SKIP switch says. The dashed lines are the alert threshold.", s.insuranceSyncLag))
	b.add(12, 8, timeseries("구간별 단말보험 연동 대기 건 · Insurance sign-ups waiting per leg",
		"연동 구간별로 대기 중인 단말보험 가입 건수. Device-insurance sign-ups waiting on each sync leg.", "short",
		q{`sum by (leg) (kos_insurance_sync_pending)`, "{{leg}}"}).withDisplayNames(legs...))
	b.add(8, 8, b.show(stateTimeline, "KAIT보험 사전체크 SKIP 해제 · Turn the KAIT SKIP off?", "KAIT보험 사전체크 SKIP 스위치의 상태: 꺼짐, 켜짐(연동 대기), 끄십시오(연동과 사후체크가 5분째 밀리지 않음). The KAIT pre-check SKIP switch over time: off; on, waiting for the sync; turn it off (sync and post-checks caught up for 5 minutes).", s.skipTurnOff))
	b.add(8, 8, b.show(timeseries, "사후체크 대기 · Post-checks pending", "KAIT 사전체크 없이 가입되어 아직 KAIT 확인(사후체크)을 기다리는 건수: SKIP 스위치를 끄기 전에 줄어야 합니다. Sign-ups that skipped KAIT's pre-check and still await KAIT's confirmation (the post-check): they must drain before the SKIP switch goes off.", s.postcheckPending))
	b.add(8, 8, b.show(timeseries, "사후체크 최장 대기 · Oldest unconfirmed skipped sign-up", "사전체크를 건너뛴 가입 건 중 가장 오래 KAIT 확인을 기다린 건의 대기 시간. 점선은 따라잡음 기준입니다. How long the oldest skipped sign-up has waited for KAIT's confirmation. The dashed lines are the caught-up limit.", s.postcheckOldest))
	b.add(12, 8, timeseries("분당 단말보험 가입과 기기변경 · Insurance sign-ups and device changes per minute",
		"분당 단말보험 가입 건수(그중 KAIT 사전체크 SKIP 건)와 기기변경 완료 건수. Device-insurance sign-ups (and those that skipped KAIT's pre-check) and device changes completed per minute, by model.", "cpm",
		q{`sum by (model) (rate(kos_insurance_signups_total[$__rate_interval])) * 60`, "insurance · {{model}}"},
		q{`sum by (model) (rate(kos_insurance_precheck_skipped_total[$__rate_interval])) * 60`, "pre-check skipped · {{model}}"},
		q{`sum by (model) (rate(kos_activations_total{kind="device_change", result="completed"}[$__rate_interval])) * 60`, "device change · {{model}}"}))
	b.add(12, 8, b.show(timeseries, "시간대별 단말보험 가입 · Insurance sign-ups per hour", "시간마다 모델별 단말보험 가입 건수(hh:00 값은 직전 1시간). Each bar at hh:00 is the hour before, by model (recording rule model:kos_insurance_signups:increase1h).", s.insuranceSignupsLastHour).hourly().bars())

	b.row("대기 순번 · Wait queue")
	b.add(8, 8, b.show(timeseries, "대기 건 · Waiting items", "개통 대기열의 대기 건수와 그중 임계치 미달 대기 건. Items waiting in the activation wait queue, and those under the stock threshold (served by hand).", s.waitQueueDepth, s.waitQueueBelowThreshold))
	b.add(8, 8, b.show(timeseries, "최장 대기 · Oldest wait", "가장 오래 기다린 대기 건의 대기 시간. 점선(평소 최장 대기 60분을 넘은 값)에서 대기 적체 알람. How long the oldest waiting item has waited; at the dashed line, longer than any normal wait (60 minutes), the backlog alert.", s.waitQueueOldest))
	b.add(8, 8, b.show(timeseries, "임계치 미달 최장 대기 · Oldest under threshold", "임계치 미달 대기 건 중 가장 오래된 건의 대기 시간. 점선은 알람 임계치입니다. How long the oldest item under the stock threshold has waited. The dashed line is the alert threshold.", s.waitQueueBelowOldest))
	b.add(8, 8, timeseries("대기 순번 선두 · Head of the queue",
		"아직 대기 중인 가장 낮은 순번: 계속 올라가야 합니다. Lowest ticket number still waiting: it should keep moving up.", "none",
		q{`max(kos_wait_queue_head_position)`, "head"}))
	b.add(8, 8, timeseries("분당 대기 진입과 처리 · Joined and served per minute",
		"분당 대기열에 들어오는 건수와 처리되어 나가는 건수. 처리가 3분 멈추면 대기 적체 알람(실판 물량일 때). Items joining and leaving the wait queue per minute; served at zero for 3 minutes at launch volume is the backlog alert.", "cpm",
		q{`sum(rate(kos_wait_queue_enqueued_total[$__rate_interval])) * 60`, "joined"},
		q{`sum(rate(kos_wait_queue_served_total[$__rate_interval])) * 60`, "served"}))
	b.add(8, 8, b.show(timeseries, "진입 대비 처리율 · Served per joined", "10분 동안 대기열에 들어온 건 대비 처리된 건의 비율. 1 아래면 대기가 늘고 있습니다. 오픈 후 30분쯤은 대기 시간(10-60분) 때문에 낮은 것이 정상입니다. Items served per item joined over 10 minutes; below 1 the queue is growing. Low for the opening's first half hour, as waits are 10-60 minutes.", s.waitQueueServed))

	b.row("USIM OTA 갱신 · OTA USIM updates")
	b.add(8, 8, b.show(timeseries, "USIM OTA 대기 · OTA updates pending", "요청 후 완료되지 않은 USIM OTA 건수. OTA USIM updates requested and not completed.", s.otaPending))
	b.add(8, 8, b.show(timeseries, "최장 USIM OTA 대기 · Oldest pending OTA update", "완료되지 않은 USIM OTA 중 가장 오래된 건의 경과 시간. 점선은 알람 임계치입니다. Age of the oldest pending OTA USIM update. The dashed lines are the alert threshold.", s.otaOldest))
	b.add(8, 8, timeseries("분당 USIM OTA · OTA updates per minute",
		"분당 요청되고 처리된 USIM OTA 건수. OTA USIM updates requested and settled per minute.", "cpm",
		q{`sum(rate(kos_ota_update_requests_total[$__rate_interval])) * 60`, "requested"},
		q{`sum by (result) (rate(kos_ota_updates_total[$__rate_interval])) * 60`, "{{result}}"}))

	b.row("레퍼런스 · References")
	b.add(12, 8, b.show(stateTimeline, "레퍼런스 스위치 이력 · Reference switches over time", "기간 중 각 레퍼런스(운영 스위치)의 켜짐/꺼짐: 언제부터 켜져 있었는지 보여 줍니다. Each operational switch on or off over the time range: shows since when a SKIP switch has been on.", s.switches))
	b.add(12, 8, table("스위치 최종 변경 · Switch last changed",
		"각 스위치 상태가 마지막으로 바뀐 시각과 바꾼 사람. When each switch last changed state, and who changed it.", "dateTimeAsIso",
		q{`max by (switch, changed_by) (kos_switch_last_change_timestamp_seconds) * 1000`, ""}).
		withTransformations(transformation{ID: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true},
			"renameByName":  map[string]string{"Value": "last change"},
		}}))
	b.add(12, 8, b.show(timeseries, "출시 계획과 다른 레퍼런스 값 · Reference values differing from the launch plan", "모델과 레퍼런스(스폰서 지원금, 단말보험 상품)별로 적용된 값이 출시 계획과 다르면 1. 1 when the applied value (sponsor subsidy, insurance product) of a model differs from the launch plan's.", s.referenceMismatch))
	b.add(12, 8, b.show(timeseries, "모델별 스폰서 지원금 · Sponsor subsidy per model", "모델별 적용된 스폰서 지원금(applied)과 출시 계획의 금액(planned), 원. The sponsor subsidy applied in KOS and the launch plan's, per model, in KRW.", s.referenceSubsidy))
	b.add(24, 8, b.show(table, "모델별 기준정보 현행화 · Reference data per model",
		"모델별 출시 기준정보(스폰서 지원금, 단말보험) 적용 여부: 빠진 것은 MISSING. Launch reference data (subsidy, insurance) applied per model; MISSING needs the device part's action.",
		s.referenceAppliedPerModel).
		withTransformations(transformation{ID: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true},
			"renameByName":  map[string]string{"Value": "applied"},
		}}))
	return b.build()
}

func errorQueue(in *inputs) (*dashboard, error) {
	b, s := drillDown(in, "kos-error-queue", "KOS 오류 큐 재처리 · Error queue",
		"재처리를 기다리는 실패 거래와 오류 큐 자동 재처리 상황, 사유별. Failed transactions waiting for reprocessing, and how the reprocessing automator is doing, by reason.")
	b.row("오류 큐 · Queue")
	b.add(12, 8, b.show(timeseries, "사유별 오류 큐 · Queued by reason", "사유별로 재처리를 기다리는 실패 거래 건수. 점선은 알람 임계치입니다. Failed transactions queued for reprocessing, by reason. The dashed lines are the alert threshold (all reasons).", s.errorQueueByReason, s.errorQueueDepth.as("all")))
	b.add(12, 8, timeseries("사유별 최장 대기 · Oldest queued item by reason",
		"사유별로 오류 큐에서 가장 오래된 건의 경과 시간. Age of the oldest queued item, by reason.", "s",
		q{`max by (reason) (kos_error_queue_oldest_age_seconds)`, "{{reason}}"}))
	b.add(12, 8, timeseries("분당 오류 큐 유입 · Entering the queue per minute",
		"사유별로 분당 오류 큐에 들어오는 실패 거래 건수. Failed transactions entering the error queue per minute, by reason.", "cpm",
		q{`reason:kos_error_queue_enqueued:rate5m * 60`, "{{reason}}"}))
	b.add(12, 8, b.show(timeseries, "15분간 재처리 포기 · Given up per 15 minutes", "최근 15분 동안 재시도를 모두 소진한 건: 건마다 사람이 처리해야 합니다. Items whose retries ran out in the last 15 minutes; each needs a person.", s.givenUpByReason))

	b.row("오류 큐 재처리 · Reprocessing automator")
	b.add(12, 8, b.show(timeseries, "재처리 성공률 · Reprocessing success ratio", "사유별로 15분 동안 재처리 시도 중 성공한 비율. 점선 아래면 자동 재처리가 실패하고 있습니다. Share of reprocessing attempts that succeeded over 15 minutes, by reason. Below the dashed line the automator is failing.", s.reprocessSuccess))
	b.add(12, 8, timeseries("분당 재처리 시도 · Reprocessing attempts per minute",
		"사유와 결과별 분당 재처리 시도 건수. Reprocessing attempts per minute by reason and result.", "cpm",
		q{`sum by (reason, result) (rate(kos_error_queue_reprocess_attempts_total[$__rate_interval])) * 60`, "{{reason}} · {{result}}"}))
	b.add(24, 5, b.show(stateTimeline, "자동 재처리 스위치 · Automator switch", "error_queue_auto_reprocess 스위치(Error Queue 자동 재처리): 꺼져 있는 동안 실패 거래는 자동으로 재처리되지 않습니다. The error_queue_auto_reprocess switch: while it is off, failed transactions stay queued.", s.automatorSwitch))
	return b.build()
}
