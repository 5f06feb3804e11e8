package main

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// inputs is what the dashboards take from the rendered alerting bundle:
// the alert names and the runbooks' address (runbook links), the threshold
// constants (panel colours), so the wall turns red exactly where an alert
// would fire, and the time zone they show.
type inputs struct {
	alerts     map[string]bool
	alertNames []string // in file order
	thresholds map[string]float64
	runbooks   string // address of docs/runbooks.md; an alert's section is #<lower-case name>
	timezone   string
}

type ruleFile struct {
	Groups []struct {
		Rules []struct {
			Alert  string `yaml:"alert"`
			Record string `yaml:"record"`
			Expr   string `yaml:"expr"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

var constant = regexp.MustCompile(`^vector\(([-+0-9.eE]+)\)$`)

// parseRuleFile parses the rendered rule file name of rules.
func parseRuleFile(rules map[string][]byte, name string) (ruleFile, error) {
	var rf ruleFile
	b, ok := rules[name]
	if !ok {
		return rf, fmt.Errorf("no rules/%s rendered", name)
	}
	if err := yaml.Unmarshal(b, &rf); err != nil {
		return rf, fmt.Errorf("parse rules/%s: %w", name, err)
	}
	return rf, nil
}

// newInputs reads alerts.yaml and thresholds.yaml of the rendered rules
// and the names the dashboards show.
func newInputs(rules map[string][]byte, n names) (*inputs, error) {
	in := &inputs{alerts: map[string]bool{}, thresholds: map[string]float64{}, runbooks: n.RunbookURLBase, timezone: n.DashboardTimezone}
	alerts, err := parseRuleFile(rules, "alerts.yaml")
	if err != nil {
		return nil, err
	}
	for _, g := range alerts.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" && !in.alerts[r.Alert] {
				in.alerts[r.Alert] = true
				in.alertNames = append(in.alertNames, r.Alert)
			}
		}
	}
	th, err := parseRuleFile(rules, "thresholds.yaml")
	if err != nil {
		return nil, err
	}
	for _, g := range th.Groups {
		for _, r := range g.Rules {
			name, ok := strings.CutPrefix(r.Record, "kos:threshold:")
			if !ok {
				continue
			}
			v, err := parseConstant(r.Expr)
			if err != nil {
				return nil, fmt.Errorf("threshold %s: %w", r.Record, err)
			}
			in.thresholds[name] = v
		}
	}
	if len(in.alerts) == 0 || len(in.thresholds) == 0 {
		return nil, errors.New("rules: no alerts or no thresholds")
	}
	return in, nil
}

// parseConstant reads a threshold written as vector(<number>).
func parseConstant(expr string) (float64, error) {
	m := constant.FindStringSubmatch(strings.TrimSpace(expr))
	if m == nil {
		return 0, fmt.Errorf("%q is not vector(<number>)", expr)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", expr, err)
	}
	return v, nil
}
