package launchsim

import (
	"context"
	"fmt"
	"time"
)

// IncidentState describes one incident for the admin API.
type IncidentState struct {
	Name        string `json:"name"`
	Active      bool   `json:"active"`
	Description string `json:"description"`
}

// SwitchState describes one switch for the admin API.
type SwitchState struct {
	Name string `json:"name"`
	On   bool   `json:"on"`
}

// Incidents lists every incident, sorted by name.
func (s *Sim) Incidents() []IncidentState {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []IncidentState
	for _, n := range IncidentNames() {
		out = append(out, IncidentState{Name: n, Active: s.incidents[n], Description: incidentHelp[n]})
	}
	return out
}

// Switches lists the seeded switches in table order.
func (s *Sim) Switches() []SwitchState {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []SwitchState
	for _, n := range SwitchNames() {
		out = append(out, SwitchState{Name: n, On: s.switches[n]})
	}
	return out
}

// SetIncident starts or ends an incident; it takes effect at the next Step.
func (s *Sim) SetIncident(name string, on bool) error {
	if err := checkIncident(name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setIncident(name, on)
	return nil
}

func (s *Sim) setIncident(name string, on bool) {
	if s.incidents[name] != on {
		s.log.Info("incident", "name", name, "active", on)
	}
	s.incidents[name] = on
}

// SetSwitch turns a switch on or off and records it in ref_switch (changed_at
// now, changed_by by). Setting the state it already has changes nothing.
func (s *Sim) SetSwitch(ctx context.Context, name string, on bool, by string) error {
	if err := checkSwitch(name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.setSwitch(ctx, name, on, by, s.opt.Now())
}

func (s *Sim) setSwitch(ctx context.Context, name string, on bool, by string, now time.Time) error {
	if s.switches[name] == on {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, "UPDATE ref_switch SET is_on = ?, changed_at = ?, changed_by = ? WHERE name = ?", on, s.ts(now), by, name); err != nil {
		return fmt.Errorf("launchsim: switch %s: %w", name, err)
	}
	s.switches[name] = on
	s.log.Info("switch", "name", name, "on", on, "by", by)
	return nil
}
