package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"text/template"
)

// ruleTemplates are the files under the rules' source directory, each
// rendered to the same path under rules/.
var ruleTemplates = []string{"*.yaml", "tests/*.test.yaml"}

// renderRules renders every rule and rule test template in src with n and
// returns path under rules/ → content. The templates use [[ ]] so that
// Prometheus' own {{ }} templates pass through untouched.
func renderRules(src string, n names) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, pattern := range ruleTemplates {
		paths, err := filepath.Glob(filepath.Join(src, pattern))
		if err != nil {
			return nil, fmt.Errorf("rule templates %s: %w", pattern, err)
		}
		for _, p := range paths {
			rel, err := filepath.Rel(src, p)
			if err != nil {
				return nil, fmt.Errorf("rule template %s: %w", p, err)
			}
			b, err := renderRuleFile(p, filepath.ToSlash(rel), n)
			if err != nil {
				return nil, err
			}
			out[filepath.ToSlash(rel)] = b
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no rule templates (%v) in %s", ruleTemplates, src)
	}
	return out, nil
}

func renderRuleFile(path, rel string, n names) ([]byte, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rule template: %w", err)
	}
	tmpl, err := template.New(rel).Delims("[[", "]]").Option("missingkey=error").Parse(string(text))
	if err != nil {
		return nil, fmt.Errorf("parse rule template %s: %w", path, err)
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Generated from rules/src/%s and bundle.yaml by `make bundle`: edit those, not this file.\n", rel)
	if err := tmpl.Execute(&buf, n); err != nil {
		return nil, fmt.Errorf("render rule template %s: %w", path, err)
	}
	return buf.Bytes(), nil
}
