package rulescheck

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/discovery"
	"github.com/prometheus/prometheus/discovery/file"
	"github.com/prometheus/prometheus/discovery/targetgroup"
	"go.yaml.in/yaml/v3"
)

// collectorsInterval is collectors.yaml's default collector interval.
func collectorsInterval(t *testing.T) model.Duration {
	t.Helper()
	var cf struct {
		Global struct {
			Interval model.Duration `yaml:"interval"`
		} `yaml:"global"`
	}
	if err := yaml.Unmarshal(readFile(t, "collectors.yaml"), &cf); err != nil {
		t.Fatalf("collectors.yaml: %v", err)
	}
	if cf.Global.Interval == 0 {
		t.Fatal("collectors.yaml: no global.interval")
	}
	return cf.Global.Interval
}

// TestExamplePrometheusConfig loads examples/prometheus.yml with
// Prometheus' own loader and checks that it loads the bundle's rules, sends
// to an Alertmanager and scrapes the exporter as the rules expect.
func TestExamplePrometheusConfig(t *testing.T) {
	cfg, err := config.LoadFile(filepath.Join(repo, "examples", "prometheus.yml"), false, promslog.NewNopLogger())
	if err != nil {
		t.Fatalf("examples/prometheus.yml: %v", err)
	}

	var loaded []string
	for _, pattern := range cfg.RuleFiles { // made relative to the file's directory by LoadFile
		matches, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatalf("rule_files %q: %v", pattern, err)
		}
		for _, m := range matches {
			loaded = append(loaded, filepath.Base(m))
		}
	}
	slices.Sort(loaded)
	if want := slices.Sorted(slices.Values(ruleFiles)); !slices.Equal(loaded, want) {
		t.Errorf("rule_files load %v, want the bundle's %v", loaded, want)
	}

	if len(cfg.AlertingConfig.AlertmanagerConfigs) == 0 {
		t.Error("no alerting.alertmanagers")
	}

	scs, err := cfg.GetScrapeConfigs()
	if err != nil {
		t.Fatal(err)
	}
	job := loadBundleNames(t).Job
	i := slices.IndexFunc(scs, func(sc *config.ScrapeConfig) bool { return sc.JobName == job })
	if i < 0 {
		t.Fatalf("no scrape config for job %q, the job the rules select (bundle.yaml)", job)
	}
	sc := scs[i]
	// The exporter serves a snapshot refreshed every collector interval:
	// scraping faster returns the same data, slower loses runs.
	if want := collectorsInterval(t); sc.ScrapeInterval != want {
		t.Errorf("scrape_interval %v, want collectors.yaml's interval %v", sc.ScrapeInterval, want)
	}
	if sc.ScrapeTimeout >= sc.ScrapeInterval {
		t.Errorf("scrape_timeout %v not below scrape_interval %v", sc.ScrapeTimeout, sc.ScrapeInterval)
	}

	var static, fileSD int
	for _, d := range sc.ServiceDiscoveryConfigs {
		switch c := d.(type) {
		case discovery.StaticConfig:
			for _, g := range c {
				static += len(g.Targets)
			}
		case *file.SDConfig:
			for _, pattern := range c.Files {
				matches, err := filepath.Glob(pattern)
				if err != nil {
					t.Fatalf("file_sd_configs %q: %v", pattern, err)
				}
				for _, m := range matches {
					fileSD += fileSDTargets(t, m)
				}
			}
		default:
			t.Errorf("unexpected service discovery %s", d.Name())
		}
	}
	if static == 0 {
		t.Error("no static_configs target")
	}
	if fileSD == 0 {
		t.Error("no file_sd_configs target in an existing targets file")
	}
}

// fileSDTargets decodes a file_sd targets file as Prometheus does
// (targetgroup.Group validates each target and label) and counts targets.
func fileSDTargets(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var groups []*targetgroup.Group
	if err := yaml.Unmarshal(b, &groups); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	n := 0
	for _, g := range groups {
		n += len(g.Targets)
	}
	return n
}
