package main

import (
	"fmt"
	"slices"
)

// signal is one quantity the war room watches, described once: the wall's
// number and the drill-down's graph of it are built from the same entry of
// warRoomSignals, so their query, unit, colours and runbook links cannot
// drift apart. Titles and descriptions stay with the panels.
type signal struct {
	q
	unit   string
	band   band
	alerts []string // alerts it mirrors: every panel of it links their runbooks
	// wallLinks are further runbooks the wall links here, for alerts on
	// signals that only the drill-downs show.
	wallLinks []string
	names     [][2]string  // display names of series
	look      func(*panel) // value mappings and overrides
}

// as is the signal under another legend, for a panel that shows it next to
// its breakdown.
func (s signal) as(legend string) signal {
	s.legend = legend
	return s
}

type direction int

const (
	neutralBand   direction = iota
	highIsBadBand           // orange from half the limit, red from the limit
	lowIsBadBand            // red below the limit
	countBand               // orange from one, red from the limit
)

// band is when a signal is bad: the alert's threshold constant, or a fixed
// limit where the alert has none.
type band struct {
	dir       direction
	threshold string  // kos:threshold:<name>
	perMinute bool    // the threshold is per second, the signal per minute
	limit     float64 // used when threshold is empty
}

func above(threshold string) band { return band{dir: highIsBadBand, threshold: threshold} }
func below(threshold string) band { return band{dir: lowIsBadBand, threshold: threshold} }

// signals is the table of war-room signals, one field each.
type signals struct {
	collectorsFailing signal

	activationsToday, activationsTodayByModel, activationsLastHour signal
	activationRate, activationRateByKind, portInShare              signal
	portsToday, portsLastHour                                      signal
	mnpOpeningFailures, mnpOpeningOldest                           signal

	agencyErrors, agencyLatencyP95, agencyLatency, agencyCalls, agencyCallsByResult signal
	productFailures, productCalls                                                   signal
	agencyCallsVsUsual, ottPending, ottOldest                                       signal
	waitQueueBelowOldest, referenceMismatch, referenceSubsidy                       signal

	waitQueueDepth, waitQueueBelowThreshold, waitQueueOldest, waitQueueServed    signal
	otaPending, otaOldest, insuranceSyncLag                                      signal
	deviceChangesToday, deviceChangesLastHour                                    signal
	insuranceSignupsToday, insuranceSignupsLastHour, insuranceSignupsLastHourAll signal
	switches, automatorSwitch, referenceApplied, referenceAppliedPerModel        signal
	// The KAIT pre-check SKIP loop (docs/runbooks.md#kosskipswitchsafetoturnoff).
	skipTurnOff, precheckSkippedToday, postcheckPending, postcheckOldest signal

	errorQueueDepth, errorQueueByReason, givenUp, givenUpByReason, reprocessSuccess signal
}

var legs = [][2]string{{"mobins", "KOS → Mobins"}, {"kait", "Mobins → KAIT"}}

func warRoomSignals() signals {
	switches := signal{
		q: q{`max by (switch) (kos_switch_on)`, "{{switch}}"}, unit: "bool_on_off", band: band{dir: countBand, limit: 1},
		alerts: []string{"KOSSkipSwitchOn", "KOSSkipSwitchOnTooLong", "KOSErrorQueueAutomatorOff"}, look: switchColours,
	}
	automator := switches
	automator.q = q{`max by (switch) (kos_switch_on{switch="error_queue_auto_reprocess"})`, "{{switch}}"}
	applied := func(by string) signal {
		return signal{q: q{`min by (` + by + `) (kos_reference_data_applied)`, ""}, unit: "bool",
			alerts: []string{"KOSReferenceDataNotApplied"}, look: missingOrApplied}
	}
	referenceApplied := applied("reference").as("{{reference}}")
	referenceApplied.band = band{dir: lowIsBadBand, limit: 1}
	todayByModel := `sum by (model, kind) (increase(kos_activations_total{result="completed"}[$__range]))`
	return signals{
		collectorsFailing: signal{q: q{`count(kos_exporter_collector_up == 0) or vector(0)`, "failing"}, unit: "short",
			band: band{dir: countBand, limit: 1}, alerts: []string{"KOSExporterCollectorDown"}, wallLinks: []string{"KOSExporterDown"}},

		activationsToday:        signal{q: q{`sum by (kind) (increase(kos_activations_total{result="completed"}[$__range]))`, "{{kind}}"}, unit: "short"},
		activationsTodayByModel: signal{q: q{todayByModel, "{{model}} · {{kind}}"}, unit: "short"},
		activationsLastHour:     signal{q: q{`model_kind:kos_activations:increase1h`, "{{model}} · {{kind}}"}, unit: "short"},
		activationRate: signal{q: q{`sum(job:kos_activations:rate5m) * 60`, "per minute"}, unit: "cpm",
			band:   band{dir: lowIsBadBand, threshold: "activations_stalled_per_second", perMinute: true},
			alerts: []string{"KOSActivationsStalled"}, wallLinks: []string{"KOSPortInStalled"}},
		activationRateByKind: signal{q: q{`kind:kos_activations:rate5m * 60`, "{{kind}}"}, unit: "cpm", alerts: []string{"KOSActivationsStalled"}},
		portInShare: signal{q: q{`kind:kos_activations:rate5m{kind="port_in"} / on() group_left sum(kind:kos_activations:rate5m)`, "port-in share"},
			unit: "percentunit", band: below("port_in_min_share"), alerts: []string{"KOSPortInStalled"}},
		portsToday:    signal{q: q{`sum by (direction) (increase(kos_mnp_ports_total[$__range]))`, "port-{{direction}}"}, unit: "short"},
		portsLastHour: signal{q: q{`direction:kos_mnp_ports:increase1h`, "port-{{direction}}"}, unit: "short"},
		mnpOpeningFailures: signal{q: q{`direction:kos_mnp_opening_messages_failed:ratio_rate5m`, "port-{{direction}}"}, unit: "percentunit",
			band: above("mnp_opening_failure_ratio"), alerts: []string{"KOSMNPOpeningMessageFailures"}, wallLinks: []string{"KOSMNPOpeningMessagesDelayed"}},
		mnpOpeningOldest: signal{q: q{`max(kos_mnp_opening_message_oldest_pending_age_seconds)`, "oldest"}, unit: "s",
			band: above("mnp_opening_pending_age_seconds"), alerts: []string{"KOSMNPOpeningMessagesDelayed"}},

		agencyErrors: signal{q: q{`agency:kos_agency_call_errors:ratio_rate5m`, "{{agency}}"}, unit: "percentunit",
			band: above("agency_error_ratio"), alerts: []string{"KOSAgencyErrorRatioHigh"}},
		agencyLatencyP95: signal{q: q{`agency_quantile:kos_agency_call_duration_seconds:histogram_quantile{quantile="0.95"}`, "{{agency}}"}, unit: "s",
			band: above("agency_latency_p95_seconds"), alerts: []string{"KOSAgencyLatencyHigh"}},
		agencyLatency: signal{q: q{`agency_quantile:kos_agency_call_duration_seconds:histogram_quantile`, "{{agency}} p{{quantile}}"}, unit: "s",
			band: above("agency_latency_p95_seconds"), alerts: []string{"KOSAgencyLatencyHigh"}},
		agencyCalls:         signal{q: q{`agency:kos_agency_calls:rate5m * 60`, "{{agency}}"}, unit: "cpm", alerts: []string{"KOSAgencyNoTraffic"}},
		agencyCallsByResult: signal{q: q{`agency_result:kos_agency_calls:rate5m * 60`, "{{agency}} · {{result}}"}, unit: "cpm", alerts: []string{"KOSAgencyNoTraffic"}},
		productFailures: signal{q: q{`product:kos_product_calls_failed:ratio_rate5m`, "{{product}}"}, unit: "percentunit",
			band: above("product_failure_ratio"), alerts: []string{"KOSProductCallFailures"}},
		productCalls: signal{q: q{`product:kos_product_calls:rate5m * 60`, "{{product}}"}, unit: "cpm"},
		agencyCallsVsUsual: signal{q: q{`agency_operation:kos_agency_calls_per_activation:ratio_rate5m / agency_operation:kos_agency_calls_per_activation:ratio_usual3h`, "{{agency}} {{operation}}"},
			unit: "percentunit", band: below("agency_traffic_drop_ratio"), alerts: []string{"KOSAgencyTrafficDrop"}},
		ottPending: signal{q: q{`sum(kos_ott_postprocess_pending)`, "pending"}, unit: "short"},
		ottOldest: signal{q: q{`max(kos_ott_postprocess_oldest_pending_age_seconds)`, "oldest"}, unit: "s",
			band: above("ott_postprocess_age_seconds"), alerts: []string{"KOSOTTPostprocessingBacklog"}},
		referenceMismatch: signal{q: q{`max by (model, reference) (kos_reference_value_mismatch)`, "{{model}} · {{reference}}"}, unit: "short",
			band: band{dir: countBand, limit: 1}, alerts: []string{"KOSReferenceDataMismatch"}},
		referenceSubsidy: signal{q: q{`max by (model, source) (kos_reference_subsidy_krw)`, "{{model}} · {{source}}"}, unit: "short"},

		waitQueueDepth:          signal{q: q{`sum(kos_wait_queue_depth)`, "waiting"}, unit: "short", wallLinks: []string{"KOSWaitQueueBacklog"}},
		waitQueueBelowThreshold: signal{q: q{`sum(kos_wait_queue_below_threshold)`, "under threshold"}, unit: "short"},
		waitQueueOldest: signal{q: q{`max(kos_wait_queue_oldest_age_seconds)`, "oldest"}, unit: "s",
			band: above("wait_queue_oldest_age_seconds"), alerts: []string{"KOSWaitQueueBacklog"}},
		waitQueueBelowOldest: signal{q: q{`max(kos_wait_queue_below_threshold_oldest_age_seconds)`, "oldest under threshold"}, unit: "s",
			band: above("wait_queue_below_threshold_age_seconds"), alerts: []string{"KOSWaitQueueBelowThresholdWaiting"}},
		waitQueueServed: signal{q: q{`job:kos_wait_queue_served:ratio_rate10m`, "{{job}}"}, unit: "percentunit",
			wallLinks: []string{"KOSWaitQueueBacklog"}},
		otaPending: signal{q: q{`sum(kos_ota_updates_pending)`, "pending"}, unit: "short"},
		otaOldest: signal{q: q{`max(kos_ota_update_oldest_pending_age_seconds)`, "oldest"}, unit: "s",
			band: above("ota_pending_age_seconds"), alerts: []string{"KOSOTAUpdatesDelayed"}},
		insuranceSyncLag: signal{q: q{`max by (leg) (kos_insurance_sync_oldest_pending_age_seconds)`, "{{leg}}"}, unit: "s",
			band: above("insurance_sync_age_seconds"), alerts: []string{"KOSInsuranceSyncLag"}, names: legs},
		deviceChangesToday:          signal{q: q{`sum(increase(kos_activations_total{kind="device_change", result="completed"}[$__range]))`, "today"}, unit: "short"},
		deviceChangesLastHour:       signal{q: q{`sum(model_kind:kos_activations:increase1h{kind="device_change"})`, "last hour"}, unit: "short"},
		insuranceSignupsToday:       signal{q: q{`sum(increase(kos_insurance_signups_total[$__range]))`, "today"}, unit: "short"},
		insuranceSignupsLastHour:    signal{q: q{`model:kos_insurance_signups:increase1h`, "{{model}}"}, unit: "short"},
		insuranceSignupsLastHourAll: signal{q: q{`sum(model:kos_insurance_signups:increase1h)`, "last hour"}, unit: "short"},
		switches:                    switches,
		automatorSwitch:             automator,
		referenceApplied:            referenceApplied,
		referenceAppliedPerModel:    applied("model, reference"),

		// 0: the switch is off; 1: on, the sync not caught up for 5 minutes
		// yet; 2: on and safe to turn off (KOSSkipSwitchSafeToTurnOff).
		skipTurnOff: signal{q: q{`max(kos_switch_on{switch="kait_insurance_precheck_skip"}) * (1 + (max(job:kos_insurance_kait_caught_up:min_over_time5m) or vector(0)))`, "KAIT보험 사전체크 SKIP"},
			unit: "none", alerts: []string{"KOSSkipSwitchSafeToTurnOff", "KOSSkipSwitchOn"}, look: skipTurnOffLook},
		precheckSkippedToday: signal{q: q{`sum(increase(kos_insurance_precheck_skipped_total[$__range])) or vector(0)`, "skipped today"}, unit: "short",
			alerts: []string{"KOSSkipSwitchSafeToTurnOff"}},
		postcheckPending: signal{q: q{`sum(kos_insurance_postcheck_pending)`, "awaiting KAIT"}, unit: "short",
			alerts: []string{"KOSSkipSwitchSafeToTurnOff"}},
		postcheckOldest: signal{q: q{`max(kos_insurance_postcheck_oldest_pending_age_seconds)`, "oldest skipped"}, unit: "s",
			band: above("insurance_postcheck_caught_up_age_seconds"), alerts: []string{"KOSSkipSwitchSafeToTurnOff"}},

		errorQueueDepth: signal{q: q{`sum(kos_error_queue_depth) or vector(0)`, "queued"}, unit: "short",
			band: above("error_queue_depth"), alerts: []string{"KOSErrorQueueGrowing"}},
		errorQueueByReason: signal{q: q{`sum by (reason) (kos_error_queue_depth)`, "{{reason}}"}, unit: "short", band: above("error_queue_depth")},
		givenUp: signal{q: q{`sum(reason:kos_error_queue_given_up:increase15m) or vector(0)`, "given up"}, unit: "short",
			band:   band{dir: countBand, threshold: "error_queue_given_up_15m"},
			alerts: []string{"KOSErrorQueueGivingUp"}, wallLinks: []string{"KOSErrorQueueReprocessingFailing"}},
		givenUpByReason: signal{q: q{`reason:kos_error_queue_given_up:increase15m`, "{{reason}}"}, unit: "short",
			band: band{dir: countBand, threshold: "error_queue_given_up_15m"}, alerts: []string{"KOSErrorQueueGivingUp"}},
		reprocessSuccess: signal{q: q{`reason:kos_error_queue_reprocess_success:ratio_rate15m`, "{{reason}}"}, unit: "percentunit",
			band: below("error_queue_reprocess_success_ratio"), alerts: []string{"KOSErrorQueueReprocessingFailing"}},
	}
}

// switchColours: a SKIP switch is bad when on, the error-queue automator
// when off.
func switchColours(p *panel) {
	p.withMappings(onOff("green", "red")).withOverride("error_queue_auto_reprocess",
		property{ID: "mappings", Value: []mapping{onOff("red", "green")}},
		property{ID: "thresholds", Value: lowIsBad(1)})
}

// skipTurnOffLook names the three states of skipTurnOff: nothing to do,
// keep the switch on and wait, turn it off now.
func skipTurnOffLook(p *panel) {
	p.withMappings(mapping{Type: "value", Options: map[string]mappingValue{
		"0": {Text: "꺼짐 · OFF", Color: "green", Index: 0},
		"1": {Text: "켜짐, 연동 대기 · ON, wait for KAIT", Color: "orange", Index: 1},
		"2": {Text: "끄십시오 · TURN OFF", Color: "blue", Index: 2},
	}})
}

func missingOrApplied(p *panel) {
	p.withMappings(mapping{Type: "value", Options: map[string]mappingValue{
		"0": {Text: "MISSING", Color: "red", Index: 0}, "1": {Text: "applied", Color: "green", Index: 1},
	}})
}

// panelKind is a panel constructor of build.go (stat, timeseries, ...).
type panelKind func(title, description, unit string, qs ...q) *panel

// show builds a panel of kind from signals that agree on unit and band: the
// queries, unit, colours, display names and runbook links come from the
// table, the title and description from the caller.
func (b *board) show(kind panelKind, title, description string, sigs ...signal) *panel {
	first := sigs[0]
	qs := make([]q, len(sigs))
	var alerts []string
	for i, s := range sigs {
		if s.unit != first.unit || s.band != first.band {
			b.errs = append(b.errs, fmt.Errorf("%s %q: its signals differ in unit or band", b.d.UID, title))
		}
		qs[i] = s.q
		alerts = appendNew(alerts, s.alerts...)
		if b.wall {
			alerts = appendNew(alerts, s.wallLinks...)
		}
	}
	p := kind(title, description, first.unit, qs...)
	if first.band.dir != neutralBand {
		p.withThresholds(b.colours(first.band))
	}
	for _, s := range sigs {
		p.withDisplayNames(s.names...)
		if s.look != nil {
			s.look(p)
		}
	}
	if len(alerts) > 0 {
		p.withLinks(b.runbook(alerts...))
	}
	return p
}

// colours turns a band into Grafana thresholds, reading the alert's
// threshold constant so the panel turns red where the alert fires.
func (b *board) colours(bd band) *thresholds {
	limit := bd.limit
	if bd.threshold != "" {
		limit = b.threshold(bd.threshold)
		if bd.perMinute {
			limit *= 60
		}
	}
	switch bd.dir {
	case lowIsBadBand:
		return lowIsBad(limit)
	case countBand:
		return highIsBad(1, limit)
	default:
		return highIsBad(limit/2, limit)
	}
}

func appendNew(to []string, xs ...string) []string {
	for _, x := range xs {
		if !slices.Contains(to, x) {
			to = append(to, x)
		}
	}
	return to
}
