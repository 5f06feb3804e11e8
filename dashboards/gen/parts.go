package main

// The drill-downs: one per part, with the time series behind each number
// on the wall. Rates are per minute, as the war-room counts.

// drillDown starts a part's drill-down, with the war-room signals it graphs.
func drillDown(in *inputs, uid, title, description string) (*board, signals) {
	spec := boardSpec{uid: uid, title: title, description: description, refresh: "30s", from: "now-6h", to: "now"}
	return newBoard(in, spec), warRoomSignals()
}

func contract(in *inputs) (*dashboard, error) {
	b, s := drillDown(in, "kos-contract", "KOS contract part · 계약",
		"Activations per model and kind, number portability (port-in, port-out) and MNP opening messages.")
	b.row("Activations · 개통")
	b.add(12, 8, b.show(timeseries, "Activations per minute by kind", "Activations completed per minute (5-minute rate) by kind.", s.activationRateByKind))
	b.add(12, 8, timeseries("Activations per minute by model",
		"Activations completed per minute (5-minute rate) by model.", "cpm",
		q{`sum by (model) (model_kind:kos_activations:rate5m) * 60`, "{{model}}"}))
	b.add(12, 8, timeseries("Requests and results per minute",
		"Activation requests (5-minute rate) and completions and failures per minute, all models.", "cpm",
		q{`sum(job:kos_activation_requests:rate5m) * 60`, "requested"},
		q{`sum by (result) (rate(kos_activations_total[$__rate_interval])) * 60`, "{{result}}"}))
	b.add(12, 8, timeseries("Failed activations per minute by kind and channel",
		"Activations that failed, per minute, by kind and channel (retail, online, call centre).", "cpm",
		q{`sum by (kind, channel) (rate(kos_activations_total{result="failed"}[$__rate_interval])) * 60`, "{{kind}} · {{channel}}"}))
	b.add(12, 8, timeseries("Activations in progress",
		"Activations requested and not yet completed or failed; grows when activations stall.", "short",
		q{`sum(kos_activations_in_progress)`, "in progress"}))
	b.add(12, 8, timeseries("Oldest activation in progress",
		"Age of the oldest activation still in progress.", "s",
		q{`max(kos_activation_oldest_in_progress_age_seconds)`, "oldest"}))
	b.add(24, 8, b.show(timeseries, "Activations per hour by model and kind · 시간대별 개통", "Each bar at hh:00 is the hour before (recording rule model_kind:kos_activations:increase1h); the results table has the same numbers as a table.", s.activationsLastHour).hourly().bars())

	b.row("Number portability · 번호이동")
	b.add(12, 8, timeseries("Port-in and port-out per minute",
		"Number-portability requests per minute by direction (in = to us, out = to another carrier).", "cpm",
		q{`direction:kos_mnp_ports:rate5m * 60`, "port-{{direction}}"}))
	b.add(12, 8, timeseries("Ports per minute by other carrier",
		"Number-portability requests per minute by direction and the other carrier.", "cpm",
		q{`sum by (direction, other_carrier) (rate(kos_mnp_ports_total[$__rate_interval])) * 60`, "port-{{direction}} · {{other_carrier}}"}))
	b.add(12, 8, b.show(timeseries, "Port-in share of activations", "Port-ins as a share of all completed activations (about a third on a normal launch day). The dashed line is the alert threshold.", s.portInShare))
	b.add(12, 8, b.show(timeseries, "MNP opening message failures · 개시 전문", "Share of MNP opening messages that failed (5-minute rate) by direction. The dashed lines are the alert threshold.", s.mnpOpeningFailures))
	b.add(12, 8, timeseries("MNP opening messages pending",
		"MNP requests whose opening message is not generated yet.", "short",
		q{`sum(kos_mnp_opening_messages_pending)`, "pending"}))
	b.add(12, 8, b.show(timeseries, "Oldest pending opening message", "Age of the oldest MNP request still waiting for its opening message.", s.mnpOpeningOldest))
	return b.build()
}

func integration(in *inputs) (*dashboard, error) {
	b, s := drillDown(in, "kos-integration", "KOS integration part · 연동",
		"Outside agencies (SGI, KAIT, Mobins, NICE): traffic, errors, timeouts and latency.")
	b.row("Agencies · 대외기관")
	b.add(12, 8, b.show(timeseries, "Agency error ratio · 기관 오류율", "Share of calls to each agency that returned an error or timed out (5-minute rate). The dashed lines are the alert threshold.", s.agencyErrors))
	b.add(12, 8, b.show(timeseries, "Agency calls per minute by result", "Calls per minute to each agency by result (ok, error, timeout). No calls while activations go on means the integration is cut.", s.agencyCallsByResult))
	b.add(12, 8, b.show(timeseries, "Agency latency quantiles", "Median, 95th and 99th percentile of call latency per agency (5-minute rate); timeouts count as 3 s. The dashed lines are the p95 alert threshold.", s.agencyLatency))
	b.add(12, 8, timeseries("Mean latency per agency",
		"Average call latency per agency.", "s",
		q{`sum by (agency) (rate(kos_agency_call_duration_seconds_sum[$__rate_interval])) / sum by (agency) (rate(kos_agency_call_duration_seconds_count[$__rate_interval]))`, "{{agency}}"}))

	b.add(24, 8, heatmap("Latency distribution, all agencies",
		"Calls per second in each latency bucket, all agencies (recording rule agency_le:kos_agency_call_duration_seconds_bucket:rate5m); timeouts land in the 5 s bucket.", "s",
		q{`sum by (le) (agency_le:kos_agency_call_duration_seconds_bucket:rate5m)`, "{{le}}"}))

	b.row("Operations")
	b.add(12, 8, timeseries("Calls per second by operation and result",
		"Calls per second per agency operation (e.g. KAIT insurance_precheck) and result.", "reqps",
		q{`sum by (agency, operation, result) (rate(kos_agency_calls_total[$__rate_interval]))`, "{{agency}} {{operation}} · {{result}}"}))
	b.add(12, 8, timeseries("p95 latency by operation",
		"95th percentile latency per agency operation.", "s",
		q{`histogram_quantile(0.95, sum by (agency, operation, le) (rate(kos_agency_call_duration_seconds_bucket[$__rate_interval])))`, "{{agency}} {{operation}}"}))
	b.add(24, 8, timeseries("Timeouts per second by operation",
		"Calls that got no answer within KOS' 3 s limit, per second, by agency and operation.", "reqps",
		q{`sum by (agency, operation) (rate(kos_agency_calls_total{result="timeout"}[$__rate_interval]))`, "{{agency}} {{operation}}"}))
	return b.build()
}

func product(in *inputs) (*dashboard, error) {
	b, s := drillDown(in, "kos-product", "KOS product part · 상품",
		"Calls made at activation time: rate plan, add-on, premium device change, tablet and smart activation, OTT post-processing.")
	b.row("Product calls · 상품 연동")
	b.add(12, 8, b.show(timeseries, "Product call failure ratio", "Share of calls that failed (5-minute rate) by product. The dashed lines are the alert threshold.", s.productFailures))
	b.add(12, 8, b.show(timeseries, "Product calls per minute", "Calls per minute by product (5-minute rate).", s.productCalls))
	b.add(12, 8, timeseries("Calls per second by operation and result",
		"Calls per second by product, operation (subscribe, change, ...) and result.", "reqps",
		q{`sum by (product, operation, result) (rate(kos_product_calls_total[$__rate_interval]))`, "{{product}} {{operation}} · {{result}}"}))
	b.add(12, 8, timeseries("OTT post-processing · OTT 후처리",
		"OTT product post-processing calls per second by result: a failure means the customer's OTT subscription is not handed over.", "reqps",
		q{`sum by (result) (rate(kos_product_calls_total{product="ott", operation="postprocess"}[$__rate_interval]))`, "{{result}}"}))
	b.add(24, 6, stat("Failed calls in the time range",
		"Product calls that failed within the dashboard's time range, by product.", "short",
		q{`sum by (product) (increase(kos_product_calls_total{result="failed"}[$__range]))`, "{{product}}"}).withDecimals(0))
	return b.build()
}

func device(in *inputs) (*dashboard, error) {
	b, s := drillDown(in, "kos-device", "KOS device part · 기기",
		"Device insurance and its Mobins → KAIT sync, the wait queue, OTA USIM updates, device changes, reference data and switches.")
	b.row("Insurance sync · 보험 연동")
	b.add(12, 8, b.show(timeseries, "Insurance sync oldest wait per leg", "How long the oldest sign-up has waited on each sync leg. The dashed lines are the alert threshold; the KAIT pre-check SKIP switch clears the KAIT leg.", s.insuranceSyncLag))
	b.add(12, 8, timeseries("Insurance sign-ups waiting per leg",
		"Device-insurance sign-ups waiting on each sync leg.", "short",
		q{`sum by (leg) (kos_insurance_sync_pending)`, "{{leg}}"}).withDisplayNames(legs...))
	b.add(12, 8, timeseries("Insurance sign-ups and device changes per minute",
		"Device-insurance sign-ups and device changes completed per minute, by model.", "cpm",
		q{`sum by (model) (rate(kos_insurance_signups_total[$__rate_interval])) * 60`, "insurance · {{model}}"},
		q{`sum by (model) (rate(kos_activations_total{kind="device_change", result="completed"}[$__rate_interval])) * 60`, "device change · {{model}}"}))
	b.add(12, 8, b.show(timeseries, "Insurance sign-ups per hour · 보험 가입", "Each bar at hh:00 is the hour before, by model (recording rule model:kos_insurance_signups:increase1h).", s.insuranceSignupsLastHour).hourly().bars())

	b.row("Wait queue · 대기 순번")
	b.add(8, 8, b.show(timeseries, "Waiting items", "Items waiting in the activation wait queue, and those under the stock threshold (served by hand).", s.waitQueueDepth, s.waitQueueBelowThreshold))
	b.add(8, 8, b.show(timeseries, "Oldest wait", "How long the oldest waiting item has waited. The dashed lines are the alert threshold for items under the stock threshold.", s.waitQueueOldest))
	b.add(8, 8, timeseries("Head of the queue · 대기 순번",
		"Lowest ticket number still waiting: it should keep moving up.", "none",
		q{`max(kos_wait_queue_head_position)`, "head"}))
	b.add(12, 8, timeseries("Joined and served per minute",
		"Items joining and leaving the wait queue per minute.", "cpm",
		q{`sum(rate(kos_wait_queue_enqueued_total[$__rate_interval])) * 60`, "joined"},
		q{`sum(rate(kos_wait_queue_served_total[$__rate_interval])) * 60`, "served"}))
	b.add(12, 8, b.show(timeseries, "Served per joined", "Items served per item joined over 10 minutes; below the dashed line a backlog is forming.", s.waitQueueServed))

	b.row("OTA USIM updates · OTA")
	b.add(8, 8, b.show(timeseries, "OTA updates pending", "OTA USIM updates requested and not completed.", s.otaPending))
	b.add(8, 8, b.show(timeseries, "Oldest pending OTA update", "Age of the oldest pending OTA USIM update. The dashed lines are the alert threshold.", s.otaOldest))
	b.add(8, 8, timeseries("OTA updates per minute",
		"OTA USIM updates requested and settled per minute.", "cpm",
		q{`sum(rate(kos_ota_update_requests_total[$__rate_interval])) * 60`, "requested"},
		q{`sum by (result) (rate(kos_ota_updates_total[$__rate_interval])) * 60`, "{{result}}"}))

	b.row("References · 기준정보")
	b.add(12, 8, b.show(stateTimeline, "Reference switches over time", "Each operational switch on or off over the time range: shows since when a SKIP switch has been on.", s.switches))
	b.add(12, 8, table("Switch last changed",
		"When each switch last changed state, and who changed it.", "dateTimeAsIso",
		q{`max by (switch, changed_by) (kos_switch_last_change_timestamp_seconds) * 1000`, ""}).
		withTransformations(transformation{ID: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true},
			"renameByName":  map[string]string{"Value": "last change"},
		}}))
	b.add(24, 8, b.show(table, "Reference data per model · 기준정보 적용",
		"Launch reference data (subsidy, insurance) applied per model; MISSING needs the device part's action.",
		s.referenceAppliedPerModel).
		withTransformations(transformation{ID: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true},
			"renameByName":  map[string]string{"Value": "applied"},
		}}))
	return b.build()
}

func errorQueue(in *inputs) (*dashboard, error) {
	b, s := drillDown(in, "kos-error-queue", "KOS error queue · 에러 큐",
		"Failed transactions waiting for reprocessing, and how the reprocessing automator is doing, by reason.")
	b.row("Queue · 에러 큐")
	b.add(12, 8, b.show(timeseries, "Queued by reason", "Failed transactions queued for reprocessing, by reason. The dashed lines are the alert threshold (all reasons).", s.errorQueueByReason, s.errorQueueDepth.as("all")))
	b.add(12, 8, timeseries("Oldest queued item by reason",
		"Age of the oldest queued item, by reason.", "s",
		q{`max by (reason) (kos_error_queue_oldest_age_seconds)`, "{{reason}}"}))
	b.add(12, 8, timeseries("Entering the queue per minute",
		"Failed transactions entering the error queue per minute, by reason.", "cpm",
		q{`reason:kos_error_queue_enqueued:rate5m * 60`, "{{reason}}"}))
	b.add(12, 8, b.show(timeseries, "Given up per 15 minutes", "Items whose retries ran out in the last 15 minutes; each needs a person.", s.givenUpByReason))

	b.row("Reprocessing automator · 재처리")
	b.add(12, 8, b.show(timeseries, "Reprocessing success ratio", "Share of reprocessing attempts that succeeded over 15 minutes, by reason. Below the dashed line the automator is failing.", s.reprocessSuccess))
	b.add(12, 8, timeseries("Reprocessing attempts per minute",
		"Reprocessing attempts per minute by reason and result.", "cpm",
		q{`sum by (reason, result) (rate(kos_error_queue_reprocess_attempts_total[$__rate_interval])) * 60`, "{{reason}} · {{result}}"}))
	b.add(24, 5, b.show(stateTimeline, "Automator switch", "The error_queue_auto_reprocess switch: while it is off, failed transactions stay queued.", s.automatorSwitch))
	return b.build()
}
