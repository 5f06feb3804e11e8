package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"time"
	_ "time/tzdata" // dashboard_timezone is checked on hosts without a zoneinfo database too

	"gopkg.in/yaml.v3"
)

// names are the site's names the bundle is rendered with, from bundle.yaml
// (the one place they are set): the templates in rules/src read Job and
// RunbookURLBase, the dashboards RunbookURLBase and DashboardTimezone.
type names struct {
	// Job is the job label Prometheus gives the exporter's targets: the
	// scrape config's job_name, or the Service's name on Kubernetes.
	Job string `yaml:"job"`
	// RunbookURLBase is where docs/runbooks.md is published; an alert's
	// runbook is its section, <base>#<lower-case alert name>.
	RunbookURLBase string `yaml:"runbook_url_base"`
	// DashboardTimezone is Grafana's dashboard time zone: browser, utc or
	// an IANA name such as Asia/Seoul.
	DashboardTimezone string `yaml:"dashboard_timezone"`
}

var (
	// jobChars keeps a job name free of quoting in every place a template
	// writes it: PromQL strings, single- and double-quoted YAML, plain YAML.
	jobChars = regexp.MustCompile(`^[A-Za-z0-9_.:/-]+$`)
	// urlChars are RFC 3986's characters without '#' (the anchor is added
	// per alert) and '\'' (it ends a single-quoted YAML string).
	urlChars = regexp.MustCompile(`^[A-Za-z0-9._~:/?\[\]@!$&()*+,;=%-]+$`)
)

// loadNames reads bundle.yaml strictly: all three names, nothing else.
func loadNames(path string) (names, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return names{}, fmt.Errorf("read bundle names: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var n names
	if err := dec.Decode(&n); err != nil {
		return names{}, fmt.Errorf("parse %s: %w", path, err)
	}
	if err := n.validate(); err != nil {
		return names{}, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

// validate reports every name that is missing or could not be written
// into the rules and dashboards as it is.
func (n names) validate() error {
	var errs []error
	switch {
	case n.Job == "":
		errs = append(errs, errors.New("job is missing"))
	case !jobChars.MatchString(n.Job) || !plainYAML(n.Job):
		errs = append(errs, fmt.Errorf("job %q: want letters, digits and _ . : / -, and not a number or YAML keyword", n.Job))
	}
	if n.RunbookURLBase == "" {
		errs = append(errs, errors.New("runbook_url_base is missing"))
	} else if u, err := url.Parse(n.RunbookURLBase); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" ||
		!urlChars.MatchString(n.RunbookURLBase) {
		errs = append(errs, fmt.Errorf("runbook_url_base %q: want an http(s) URL without a #fragment, spaces or quotes", n.RunbookURLBase))
	}
	switch n.DashboardTimezone {
	case "":
		errs = append(errs, errors.New("dashboard_timezone is missing"))
	case "browser", "utc":
	case "Local":
		errs = append(errs, errors.New(`dashboard_timezone "Local": want browser, utc or an IANA name`))
	default:
		if _, err := time.LoadLocation(n.DashboardTimezone); err != nil {
			errs = append(errs, fmt.Errorf("dashboard_timezone %q: want browser, utc or an IANA name: %w", n.DashboardTimezone, err))
		}
	}
	return errors.Join(errs...)
}

// plainYAML reports whether s reads back as the same string when written
// without quotes (not true, 1e3, null…).
func plainYAML(s string) bool {
	b, err := yaml.Marshal(s)
	return err == nil && string(b) == s+"\n"
}
