//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Grafana's variables as a dashboard would resolve them against this
// Prometheus (3 s scrapes of a 15 s schedule shortened to 3 s).
var grafanaVars = strings.NewReplacer(
	"$__rate_interval", "1m",
	"$__range", "5m",
	"$__interval", "15s",
	"$job", "kos_exporter",
	"$instance", ".+",
)

type panel struct {
	Title   string  `json:"title"`
	Panels  []panel `json:"panels"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

// dashboardsReturnData runs every PromQL expression of dashboards/*.json on
// replica 0 and fails for each that returns no series: a panel that would
// stay empty on the wall.
func dashboardsReturnData(t *testing.T, s *stack) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(s.e.root, "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("dashboards: %v (%d files)", err, len(files))
	}
	var n int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d panel
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		walkPanels(d.Panels, func(p panel, expr string) {
			n++
			q := grafanaVars.Replace(expr)
			res, err := s.query(0, q)
			switch {
			case err != nil:
				t.Errorf("%s %q: %v", filepath.Base(f), p.Title, err)
			case len(res) == 0 && youngOK(q) != "":
				t.Logf("%s %q: no data yet: %s", filepath.Base(f), p.Title, youngOK(q))
			case len(res) == 0:
				t.Errorf("%s %q: no data for %s", filepath.Base(f), p.Title, q)
			}
		})
	}
	s.e.record(result{scenario: s.name, alert: "(dashboards)", receivers: "(none)", note: fmt.Sprintf("%d PromQL expressions of dashboards/*.json returned data", n)})
}

// youngOK says why a query may return nothing on a Prometheus only minutes
// old, or "" when it must return data.
func youngOK(q string) string {
	if strings.Contains(q, ":ratio_usual3h") {
		return "the usual level of agency calls leaves out the last 15 minutes (3 in the run), so a Prometheus younger than that has none"
	}
	return ""
}

func walkPanels(ps []panel, f func(panel, string)) {
	for _, p := range ps {
		for _, tg := range p.Targets {
			if tg.Expr != "" {
				f(p, tg.Expr)
			}
		}
		walkPanels(p.Panels, f)
	}
}
