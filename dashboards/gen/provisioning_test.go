package main

import (
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestProvisioning: the provisioning files parse and point Grafana at a
// Prometheus from the environment and at this directory's dashboards.
func TestProvisioning(t *testing.T) {
	var ds struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			UID  string `yaml:"uid"`
			Type string `yaml:"type"`
			URL  string `yaml:"url"`
		} `yaml:"datasources"`
	}
	var prov struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Type    string `yaml:"type"`
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	for _, tc := range []struct {
		name, file string
		into       any
		ok         func() bool
	}{
		{"datasource", "datasources/kos.yaml", &ds, func() bool {
			return ds.APIVersion == 1 && len(ds.Datasources) == 1 && ds.Datasources[0].Type == "prometheus" &&
				ds.Datasources[0].URL == "${KOS_PROMETHEUS_URL}"
		}},
		{"dashboard provider", "dashboards/kos.yaml", &prov, func() bool {
			return prov.APIVersion == 1 && len(prov.Providers) == 1 && prov.Providers[0].Type == "file" &&
				prov.Providers[0].Options.Path == "${KOS_DASHBOARDS_DIR}"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(repo, "dashboards", "provisioning", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal(b, tc.into); err != nil {
				t.Fatalf("%s: %v", tc.file, err)
			}
			if !tc.ok() {
				t.Errorf("%s: unexpected content %+v", tc.file, tc.into)
			}
		})
	}
}
