package launchsim

import (
	"math"
	"math/rand/v2"
	"time"
)

// Arrival streams. Each draws from its own generator, so a plan change in
// one (say, more pre-orders) never shifts the arrivals of another.
const (
	streamWalkIn = iota
	streamPortOut
	streamQueue
	streamPreorder
	numStreams
)

// newStreams builds the day's arrival processes from the plan, starting at
// from (simulated time after the launch opening).
func newStreams(seed uint64, p LaunchPlan, from time.Duration) [numStreams]*stream {
	// Port-outs follow the whole market's launch, pre-order burst included
	// (every carrier delivers pre-orders at the opening); wait-queue tickets
	// only walk-ins (pre-ordered phones have their stock).
	outPerActivation := p.portOuts / p.activations
	total := func(t time.Duration) float64 { return p.walkInRate(t) + p.preorderRate(t) }
	return [numStreams]*stream{
		streamWalkIn:   newStream(seed, streamWalkIn, from, p.walkInRate, p.maxWalkInRate()),
		streamPortOut:  newStream(seed, streamPortOut, from, scaled(total, outPerActivation), (p.maxWalkInRate()+p.maxPreorderRate())*outPerActivation),
		streamQueue:    newStream(seed, streamQueue, from, scaled(p.walkInRate, p.waitQueueShare), p.maxWalkInRate()*p.waitQueueShare),
		streamPreorder: newStream(seed, streamPreorder, from, p.preorderRate, p.maxPreorderRate()),
	}
}

func scaled(rate func(time.Duration) float64, f float64) func(time.Duration) float64 {
	return func(t time.Duration) float64 { return rate(t) * f }
}

// stream is one non-homogeneous Poisson arrival process in simulated time,
// drawn by thinning, so the arrivals do not depend on how often Step runs.
type stream struct {
	rng  *rand.Rand
	rate func(time.Duration) float64 // arrivals per simulated second
	max  float64                     // an upper bound of rate
	next time.Duration               // simulated time of the next candidate arrival
}

func newStream(seed, id uint64, from time.Duration, rate func(time.Duration) float64, max float64) *stream {
	s := &stream{rng: rand.New(rand.NewPCG(seed, id)), rate: rate, max: max, next: from}
	s.advance()
	return s
}

func (s *stream) advance() {
	if s.max <= 0 {
		s.next = math.MaxInt64
		return
	}
	s.next += time.Duration(s.rng.ExpFloat64() / s.max * float64(time.Second))
}

// until calls arrive for every accepted arrival up to simulated time t.
func (s *stream) until(t time.Duration, arrive func(at time.Duration)) {
	for s.next <= t {
		at := s.next
		if s.rng.Float64() < s.rate(at)/s.max {
			arrive(at)
		}
		s.advance()
	}
}

// Entity kinds: each entity's random draws come from its own generator,
// seeded by (seed, kind, id), so an incident that changes one flow never
// shifts the draws of another.
const (
	entActivation uint64 = iota + 1
	entMNP
	entInsurance
	entQueue
	entOTA
	entErrorRetry
)

func entityRand(seed, kind uint64, id int64) *rand.Rand {
	return rand.New(rand.NewPCG(seed^(kind*0x9E3779B97F4A7C15), uint64(id)))
}

// pick returns the key whose cumulative weight covers u in [0,1).
func pick(u float64, choices []weighted) string {
	var total float64
	for _, c := range choices {
		total += c.w
	}
	acc := 0.0
	for _, c := range choices {
		acc += c.w / total
		if u < acc {
			return c.v
		}
	}
	return choices[len(choices)-1].v
}

type weighted struct {
	v string
	w float64
}

// between draws a duration uniformly in [lo, hi).
func between(r *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(r.Float64()*float64(hi-lo))
}
