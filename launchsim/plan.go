package launchsim

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// Launch models (ref_model rows) and the mix of the day's activations.
var (
	models = []weighted{{"nova_x", 30}, {"nova_x_pro", 35}, {"nova_x_ultra", 20}, {"nova_fold", 10}, {"other", 5}}
	// Port-ins are a third of activations; port-outs (streamPortOut) a little lower.
	kinds    = []weighted{{"device_change", 40}, {"port_in", 33}, {"new", 27}}
	channels = []weighted{{"retail_store", 60}, {"online", 30}, {"telesales", 10}}
	carriers = []weighted{{"carrier_b", 55}, {"carrier_c", 35}, {"mvno", 10}}
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
	share           float64 // fraction of activations making it
}

var products = [...]product{
	{"rate_plan", "change", 0.55},
	{"addon", "subscribe", 0.4},
	{"premium_device_change", "change", 0.12},
	{"tablet_activation", "subscribe", 0.05},
	{"smart_activation", "subscribe", 0.15},
	{"ott", "postprocess", 0.25},
}

const productFailRate = 0.01

// activationPlan is everything random about one activation, drawn once from
// its own generator in a fixed order.
type activationPlan struct {
	model, kind, channel string
	process              time.Duration // request to completion
	insured, instalment  bool
	ota                  bool
	fail                 float64 // completes as failed when < activationFailRate
	callLatency          [len(calls)]float64
	callErr              [len(calls)]float64
	productUse           [len(products)]float64
	productFail          [len(products)]float64
}

const (
	activationFailRate = 0.015
	insuredShare       = 0.45
	instalmentShare    = 0.75
	otaShare           = 0.6
)

func planActivation(r *rand.Rand) activationPlan {
	p := activationPlan{
		model:      pick(r.Float64(), models),
		kind:       pick(r.Float64(), kinds),
		channel:    pick(r.Float64(), channels),
		process:    between(r, 5*time.Second, 20*time.Second),
		insured:    r.Float64() < insuredShare,
		instalment: r.Float64() < instalmentShare,
		ota:        r.Float64() < otaShare,
		fail:       r.Float64(),
	}
	for i := range calls {
		p.callLatency[i] = calls[i].median * math.Exp(0.5*r.NormFloat64())
		p.callErr[i] = r.Float64()
	}
	for i := range products {
		p.productUse[i] = r.Float64()
		p.productFail[i] = r.Float64()
	}
	return p
}

// makes reports whether the activation makes call i, given the switches.
func (p activationPlan) makes(i int, sw map[string]bool) bool {
	switch i {
	case callGuarantee:
		return p.instalment && !sw[SwitchSGISkip]
	case callClearing:
		return p.kind == "port_in"
	case callPrecheck:
		return p.insured && !sw[SwitchKaitSkip]
	case callSignup:
		return p.insured
	}
	return true
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
	return mnpPlan{carrier: pick(r.Float64(), carriers), delay: between(r, 2*time.Second, 10*time.Second), fail: r.Float64()}
}

// insurancePlan holds the sync delay of each leg when nothing is wrong.
type insurancePlan struct{ mobinsDelay, kaitDelay time.Duration }

func (s *Sim) insurancePlan(id int64) insurancePlan {
	r := entityRand(s.opt.Seed, entInsurance, id)
	return insurancePlan{mobinsDelay: between(r, 3*time.Second, 15*time.Second), kaitDelay: between(r, 5*time.Second, 30*time.Second)}
}

type otaPlan struct {
	delay time.Duration
	fail  float64
}

func (s *Sim) otaPlan(id int64) otaPlan {
	r := entityRand(s.opt.Seed, entOTA, id)
	return otaPlan{delay: between(r, 5*time.Second, 30*time.Second), fail: r.Float64()}
}
