package launchsim

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Incidents the simulator can inject. Each holds back or fails one flow;
// docs/collectors.md lists the metrics each one moves.
const (
	KaitLag            = "kait_lag"
	SGIErrors          = "sgi_errors"
	QueueBacklog       = "queue_backlog"
	OTADelay           = "ota_delay"
	MNPMessageFailures = "mnp_message_failures"
	ErrorQueueGrowth   = "error_queue_growth"
	ActivationStall    = "activation_stall"

	// One per alert that no incident above raises (docs/e2e.md maps
	// each alert to the incident proving it).
	PortInStall        = "port_in_stall"
	MNPOpeningDelay    = "mnp_opening_delay"
	AgencySlow         = "agency_slow"
	AgencyTrafficDrop  = "agency_traffic_drop"
	AgencyNoTraffic    = "agency_no_traffic"
	ProductFailures    = "product_failures"
	OTTStall           = "ott_stall"
	ReferenceMissing   = "reference_missing"
	ReferenceWrong     = "reference_wrong"
	StockTransferStall = "stock_transfer_stall"
	AgencyBlips        = "agency_blips"
)

var incidentHelp = map[string]string{
	KaitLag:            "Mobins→KAIT insurance sync slows to a trickle and KAIT pre-checks time out; switch " + SwitchKaitSkip + " stops KOS waiting for the pre-check, the sync catches up when the incident ends",
	SGIErrors:          "SGI guarantee calls fail 35% of the time; failures land in the error queue",
	QueueBacklog:       "wait-queue service stops and more items arrive below the stock threshold",
	OTADelay:           "OTA USIM updates stop completing",
	MNPMessageFailures: "40% of MNP opening messages fail; failures land in the error queue",
	ErrorQueueGrowth:   "every error-queue reprocessing attempt fails until items are given up",
	ActivationStall:    "activations stop completing, and with them every call and follow-up",

	PortInStall:        "port-in activations stop completing; other kinds go on",
	MNPOpeningDelay:    "MNP opening messages stop being generated (none fails)",
	AgencySlow:         "NICE identity checks answer 8 times slower",
	AgencyTrafficDrop:  "3 in 4 Mobins insurance sign-up calls are never made (a lost integration route)",
	AgencyNoTraffic:    "no call reaches SGI while activations go on",
	ProductFailures:    "rate plan, add-on and OTT product calls fail 35% of the time; failures land in the error queue",
	OTTStall:           "OTT post-processing stops completing, silently (the OTT product calls still succeed)",
	ReferenceMissing:   "the first model's sponsor subsidy is not applied on the reference screen",
	ReferenceWrong:     "the last model's applied subsidy and insurance product differ from the launch plan",
	StockTransferStall: "wait-queue items under the stock threshold are not served; the others are",
	AgencyBlips:        "ordinary noise, no incident: one agency at a time fails 30% of its calls for a short blip (--blip.length, default 30s) every 8 blip lengths",
}

// Agencies take turns to blip, one blip every blipEvery blip lengths.
var blipAgencies = [...]string{"sgi", "kait", "nice", "mobins"}

const blipEvery = 8

// blipAgency is the agency in an error blip at now ("" between blips), on
// the real clock from the simulator's start.
func (s *Sim) blipAgency(now time.Time) string {
	n := now.Sub(s.start) / s.opt.BlipLength
	if n < 0 || n%blipEvery != 0 {
		return ""
	}
	return blipAgencies[int(n/blipEvery)%len(blipAgencies)]
}

// Operational switches ("references") seeded into ref_switch; each changes
// the simulated system the way it would change the real one.
const (
	SwitchKaitSkip      = "kait_insurance_precheck_skip"
	SwitchSGISkip       = "sgi_guarantee_skip"
	SwitchAutoReprocess = "error_queue_auto_reprocess"
)

type switchDef struct {
	name        string
	on          bool // initial state
	description string
}

var switchDefs = []switchDef{
	{SwitchKaitSkip, false, "Skip the KAIT insurance duplicate pre-check; KOS stops waiting for KAIT, the Mobins→KAIT sync goes on and confirms skipped sign-ups later (post-check). Temporary: turn off once the sync has caught up."},
	{SwitchSGISkip, false, "Skip the SGI guarantee call at activation; guarantees are issued by hand later. Temporary."},
	{SwitchAutoReprocess, true, "Error-queue reprocessing automator runs."},
}

// IncidentNames lists the valid incident names, sorted.
func IncidentNames() []string {
	names := make([]string, 0, len(incidentHelp))
	for n := range incidentHelp {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// SwitchNames lists the switches the simulator seeds, in table order.
func SwitchNames() []string {
	names := make([]string, len(switchDefs))
	for i, d := range switchDefs {
		names[i] = d.name
	}
	return names
}

// Action turns an incident or switch on or off At after the start.
type Action struct {
	Switch bool // false: an incident
	Name   string
	On     bool
	At     time.Duration
}

// ParseIncident parses "name" or "name@offset" (offset a Go duration after
// the simulator starts, in real time).
func ParseIncident(spec string) (Action, error) {
	name, at, err := splitOffset(spec)
	if err != nil {
		return Action{}, fmt.Errorf("incident %q: %w", spec, err)
	}
	if err := checkIncident(name); err != nil {
		return Action{}, err
	}
	return Action{Name: name, On: true, At: at}, nil
}

// ParseSwitch parses "name[=on|off][@offset]"; the state defaults to on.
func ParseSwitch(spec string) (Action, error) {
	nameState, at, err := splitOffset(spec)
	if err != nil {
		return Action{}, fmt.Errorf("switch %q: %w", spec, err)
	}
	name, state, hasState := strings.Cut(nameState, "=")
	on := true
	if hasState {
		switch state {
		case "on", "true":
		case "off", "false":
			on = false
		default:
			return Action{}, fmt.Errorf("switch %q: state must be on or off, not %q", spec, state)
		}
	}
	if err := checkSwitch(name); err != nil {
		return Action{}, err
	}
	return Action{Switch: true, Name: name, On: on, At: at}, nil
}

func splitOffset(spec string) (string, time.Duration, error) {
	name, offset, ok := strings.Cut(spec, "@")
	if !ok {
		return name, 0, nil
	}
	at, err := time.ParseDuration(offset)
	if err != nil {
		return "", 0, fmt.Errorf("offset: %w", err)
	}
	if at < 0 {
		return "", 0, fmt.Errorf("offset %s is negative", at)
	}
	return name, at, nil
}

func checkIncident(name string) error {
	if _, ok := incidentHelp[name]; !ok {
		return fmt.Errorf("unknown incident %q (valid: %s)", name, strings.Join(IncidentNames(), ", "))
	}
	return nil
}

func checkSwitch(name string) error {
	if !slices.Contains(SwitchNames(), name) {
		return fmt.Errorf("unknown switch %q (valid: %s)", name, strings.Join(SwitchNames(), ", "))
	}
	return nil
}
