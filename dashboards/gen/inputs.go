package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// inputs is what the dashboards take from the alerting bundle: the alert
// names and the runbooks' address (runbook links) and the threshold
// constants (panel colours), so the wall turns red exactly where an alert
// would fire.
type inputs struct {
	alerts     map[string]bool
	alertNames []string // in file order
	thresholds map[string]float64
	runbooks   string // address of docs/runbooks.md; an alert's section is #<lower-case name>
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

func readRuleFile(path string) (ruleFile, error) {
	var rf ruleFile
	b, err := os.ReadFile(path)
	if err != nil {
		return rf, fmt.Errorf("read rules: %w", err)
	}
	if err := yaml.Unmarshal(b, &rf); err != nil {
		return rf, fmt.Errorf("parse %s: %w", path, err)
	}
	return rf, nil
}

// loadInputs reads alerts.yaml, thresholds.yaml and runbooks.url in rules.
func loadInputs(rules string) (*inputs, error) {
	in := &inputs{alerts: map[string]bool{}, thresholds: map[string]float64{}}
	runbooks, err := readRunbooksURL(filepath.Join(rules, "runbooks.url"))
	if err != nil {
		return nil, err
	}
	in.runbooks = runbooks
	alerts, err := readRuleFile(filepath.Join(rules, "alerts.yaml"))
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
	th, err := readRuleFile(filepath.Join(rules, "thresholds.yaml"))
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
		return nil, fmt.Errorf("rules in %s: no alerts or no thresholds", rules)
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

// readRunbooksURL reads the one place that says where docs/runbooks.md is
// published: every alert's runbook_url is it + "#" + the lower-case name.
func readRunbooksURL(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read runbooks address: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if !strings.HasPrefix(s, "https://") || len(s) == len("https://") || strings.ContainsAny(s, " \t\n#") {
		return "", fmt.Errorf("%s: %q is not one https URL without a fragment", path, s)
	}
	return s, nil
}
