package launchsim

import (
	"math"
	"math/rand/v2"
	"time"
)

// hourWeights shapes the day from the 08:00 opening: the morning-delivery
// burst of pre-orders first, a long afternoon tail, a quiet night
// (launch-traffic.md). Index: simulated hours since opening.
var hourWeights = [24]float64{
	14, 12, 10, 9, 8, 7, 6, 5.5, 5, 4.5, 4, 3, 2, 1, // 08:00–21:59
	0.5, 0.3, 0.2, 0.2, 0.2, 0.2, 0.2, 0.3, 0.5, 0.8, // night until 07:59
}

// profile turns the daily volume into an hourly arrival rate.
type profile struct {
	daily float64 // activations per simulated day
	sum   float64
	max   float64
}

func newProfile(daily int) profile {
	p := profile{daily: float64(daily)}
	for _, w := range hourWeights {
		p.sum += w
		p.max = math.Max(p.max, w)
	}
	return p
}

// rate is activations per simulated second at elapsed simulated time t.
func (p profile) rate(t time.Duration) float64 {
	h := int(t/time.Hour) % len(hourWeights)
	return p.daily * hourWeights[h] / p.sum / 3600
}

func (p profile) maxRate() float64 { return p.daily * p.max / p.sum / 3600 }

// stream is one non-homogeneous Poisson arrival process (share × the
// activation rate), drawn by thinning in simulated time so the arrivals do
// not depend on how often Step runs.
type stream struct {
	rng   *rand.Rand
	share float64
	next  time.Duration // simulated time of the next candidate arrival
}

func newStream(seed, id uint64, share float64, p profile) *stream {
	s := &stream{rng: rand.New(rand.NewPCG(seed, id)), share: share}
	s.advance(p)
	return s
}

func (s *stream) advance(p profile) {
	s.next += time.Duration(s.rng.ExpFloat64() / (p.maxRate() * s.share) * float64(time.Second))
}

// until calls arrive for every accepted arrival up to simulated time t.
func (s *stream) until(t time.Duration, p profile, arrive func(at time.Duration)) {
	for s.next <= t {
		at := s.next
		if s.rng.Float64() < p.rate(at)/p.maxRate() {
			arrive(at)
		}
		s.advance(p)
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
