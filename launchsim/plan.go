package launchsim

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// Latency histogram bounds (seconds) of agency_call_daily.le; the shipped
// collectors.yaml declares the same buckets.
var latencyBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

const callTimeout = 3 * time.Second

// call is one outside-agency call an activation makes.
type call struct {
	agency, operation string
	median            float64 // seconds
	errRate           float64 // normal error rate
}

// The calls in draw order; an activation draws for all of them whether it
// makes them or not, so switches and incidents never shift later draws.
var calls = [...]call{
	{"nice", "identity_check", 0.12, 0.003},
	{"sgi", "guarantee_issue", 0.35, 0.01},
	{"kait", "mnp_clearing", 0.25, 0.005},
	{"kait", "insurance_precheck", 0.2, 0.005},
	{"mobins", "insurance_signup", 0.45, 0.005},
}

const (
	callIdentity = iota
	callGuarantee
	callClearing
	callPrecheck
	callSignup
)

// product is one product call an activation may make.
type product struct {
	name, operation string
	share           float64 // fraction of the eligible activations making it
	eligible        func(kind, channel string) bool
}

// The product paths and who takes them. 우수 기변 (premium device change)
// is for existing subscribers changing device; 패드개통 (tablet activation)
// adds a tablet line to a phone line already here, so not to a port-in
// whose number is still with the other carrier; 스마트 개통 is the
// customer's own activation of a phone bought online.
var products = [...]product{
	{"rate_plan", "change", 0.55, anyActivation},
	{"addon", "subscribe", 0.4, anyActivation},
	{"premium_device_change", "change", 0.3, func(kind, _ string) bool { return kind == kindDeviceChange }},
	{"tablet_activation", "subscribe", 0.075, func(kind, _ string) bool { return kind != kindPortIn }},
	{"smart_activation", "subscribe", 0.5, func(_, channel string) bool { return channel == "online" }},
	{"ott", "postprocess", 0.25, anyActivation},
}

func anyActivation(string, string) bool { return true }

// Activation kinds; port-ins come from the plan's share of the market's
// ports, the others from its kinds mix.
const (
	kindPortIn       = "port_in"
	kindDeviceChange = "device_change"
	kindNew          = "new"
)

const productFailRate = 0.01

// productOTT is the OTT post-processing product's index in products; the
// incident product_failures fails the first failingProducts (rate plan,
// add-on) and it.
const (
	productOTT      = 5
	failingProducts = 2
)

// activationPlan is everything random about one activation, drawn once from
// its own generator in a fixed order.
type activationPlan struct {
	model, storage, kind, channel string
	process                       time.Duration // request to completion in a store or online
	preorderProcess               time.Duration // the same for a pre-order, its paperwork done before
	insured, instalment           bool
	ota                           bool
	fail                          float64 // completes as failed when < activationFailRate
	callLatency                   [len(calls)]float64
	callErr                       [len(calls)]float64
	productUse                    [len(products)]float64
	productFail                   [len(products)]float64
	callDrop                      [len(calls)]float64 // the call is lost under agency_traffic_drop when < agencyDropShare
	ottDelay                      time.Duration       // OTT post-processing, after the activation
}

const (
	activationFailRate = 0.015
	insuredShare       = 0.45
	instalmentShare    = 0.75
	otaShare           = 0.6
)

func planActivation(r *rand.Rand, lp LaunchPlan) activationPlan {
	model, storage := lp.device(r)
	p := activationPlan{
		model:           model,
		storage:         storage,
		kind:            lp.kind(r.Float64()),
		channel:         pick(r.Float64(), lp.channels),
		process:         between(r, 5*time.Minute, 20*time.Minute),
		preorderProcess: between(r, time.Minute, 3*time.Minute),
		insured:         r.Float64() < insuredShare,
		instalment:      r.Float64() < instalmentShare,
		ota:             r.Float64() < otaShare,
		fail:            r.Float64(),
	}
	for i := range calls {
		p.callLatency[i] = calls[i].median * math.Exp(0.5*r.NormFloat64())
		p.callErr[i] = r.Float64()
	}
	for i := range products {
		p.productUse[i] = r.Float64()
		p.productFail[i] = r.Float64()
	}
	// Drawn last, so the draws above stay those of earlier versions.
	for i := range calls {
		p.callDrop[i] = r.Float64()
	}
	p.ottDelay = between(r, time.Minute, 5*time.Minute)
	return p
}

// device draws a model by the plan's mix, then one of its storage variants.
func (p LaunchPlan) device(r *rand.Rand) (model, storage string) {
	u, i := r.Float64(), 0
	for ; i < len(p.models)-1 && u >= p.models[i].w; i++ {
		u -= p.models[i].w
	}
	return p.models[i].v, pick(r.Float64(), p.storage[i])
}

// kind maps u in [0,1) to port_in for the plan's share of port-ins, else to
// its kinds mix.
func (p LaunchPlan) kind(u float64) string {
	q := p.portIns / p.activations
	if u < q {
		return kindPortIn
	}
	return pick((u-q)/(1-q), p.kinds)
}

// takes reports whether the activation takes product path i.
func (p activationPlan) takes(i int) bool {
	return products[i].eligible(p.kind, p.channel) && p.productUse[i] < products[i].share
}

// productResult is the outcome of product call i: ok or failed.
// failing (the product_failures incident) raises the failure rate of the
// first products and OTT.
func (p activationPlan) productResult(i int, failing bool) string {
	rate := productFailRate
	if failing && (i < failingProducts || i == productOTT) {
		rate = productIncidentFail
	}
	if p.productFail[i] < rate {
		return "failed"
	}
	return "ok"
}

// makes reports whether the activation makes call i, given the switches
// and incidents.
func (p activationPlan) makes(i int, sw, incidents map[string]bool) bool {
	switch i {
	case callGuarantee:
		return p.instalment && !sw[SwitchSGISkip] && !incidents[AgencyNoTraffic]
	case callClearing:
		return p.kind == kindPortIn
	case callPrecheck:
		return p.insured && !sw[SwitchKaitSkip]
	case callSignup:
		return p.insured && !(incidents[AgencyTrafficDrop] && p.callDrop[i] < agencyDropShare)
	}
	return true
}

// callOutcome is a call's result and the latency recorded for it: a call
// not answered within callTimeout is a timeout logged at callTimeout, else
// an error when its draw errDraw falls under errRate.
func callOutcome(latency, errDraw, errRate float64) (string, float64) {
	switch {
	case latency >= callTimeout.Seconds():
		return "timeout", callTimeout.Seconds()
	case errDraw < errRate:
		return "error", latency
	}
	return "ok", latency
}

// latencyBucket returns the le label of the bucket holding seconds.
func latencyBucket(seconds float64) string {
	for _, b := range latencyBuckets {
		if seconds <= b {
			return strconv.FormatFloat(b, 'g', -1, 64)
		}
	}
	return "+Inf"
}

type mnpPlan struct {
	carrier string
	delay   time.Duration // request to opening message
	fail    float64
}

func (s *Sim) mnpPlan(id int64) mnpPlan {
	r := entityRand(s.opt.Seed, entMNP, id)
	return mnpPlan{carrier: pick(r.Float64(), s.plan.carriers), delay: between(r, time.Minute, 4*time.Minute), fail: r.Float64()}
}

// insurancePlan holds the sync delay of each leg when nothing is wrong:
// under two minutes, the age at which the device part is paged, so a lag
// can page within five (docs/runbooks.md, Tuning).
type insurancePlan struct{ mobinsDelay, kaitDelay time.Duration }

func (s *Sim) insurancePlan(id int64) insurancePlan {
	r := entityRand(s.opt.Seed, entInsurance, id)
	return insurancePlan{mobinsDelay: between(r, 20*time.Second, 80*time.Second), kaitDelay: between(r, 20*time.Second, 80*time.Second)}
}

type otaPlan struct {
	delay time.Duration
	fail  float64
}

func (s *Sim) otaPlan(id int64) otaPlan {
	r := entityRand(s.opt.Seed, entOTA, id)
	// Under the 150 s age that pages, as for the insurance sync.
	return otaPlan{delay: between(r, 30*time.Second, 100*time.Second), fail: r.Float64()}
}

type queuePlan struct {
	model, storage string
	below          bool          // the variant's stock is under the threshold
	wait           time.Duration // until served
	stage          stage         // the event that serves it
}

// queuePlan draws wait-queue item id; backlog raises the share of items
// below the stock threshold (the QueueBacklog incident).
func (s *Sim) queuePlan(id int64, backlog bool) queuePlan {
	r := entityRand(s.opt.Seed, entQueue, id)
	var q queuePlan
	q.model, q.storage = s.plan.device(r)
	rate := belowThresholdRate
	if backlog {
		rate = belowThresholdIncident
	}
	q.below = r.Float64() < rate
	q.wait, q.stage = between(r, 10*time.Minute, 60*time.Minute), stageServe
	if q.below {
		// Served by hand once stock is moved from another store: 15-40
		// minutes, under the alert's 45 even at real speed.
		q.wait, q.stage = q.wait/2+10*time.Minute, stageServeBelow
	}
	return q
}

// retryOK draws whether reprocessing attempt n of error-queue item id
// succeeds when nothing is wrong.
func retryOK(seed uint64, id int64, n int) bool {
	return entityRand(seed, entErrorRetry, id<<8|int64(n)).Float64() < reprocessOKRate
}
