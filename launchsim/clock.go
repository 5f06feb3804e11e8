package launchsim

import (
	"fmt"
	"time"
)

// The simulated clock: Options.Start (by default the plan's opening) when
// the Sim is created, then Options.Speed simulated seconds per real second.

// Clock is the simulated time now.
func (s *Sim) Clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.simStart.Add(s.simSince(s.opt.Now()))
}

// simSince is the simulated time elapsed between the start and real time t.
func (s *Sim) simSince(t time.Time) time.Duration {
	return time.Duration(float64(t.Sub(s.start)) * s.opt.Speed)
}

// after is real time t plus the simulated delay d.
func (s *Sim) after(t time.Time, d time.Duration) time.Time {
	return t.Add(time.Duration(float64(d) / s.opt.Speed))
}

// ParseStart reads a simulated start time: RFC 3339, or HH:MM on the day
// now falls on in loc.
func ParseStart(spec string, now time.Time, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, spec); err == nil {
		return t, nil
	}
	hm, err := time.Parse("15:04", spec)
	if err != nil {
		return time.Time{}, fmt.Errorf("start %q: want HH:MM or an RFC 3339 time such as 2024-09-20T08:00:00+09:00", spec)
	}
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, hm.Hour(), hm.Minute(), 0, 0, loc), nil
}
