// Command gen writes the KOS Grafana dashboards (dashboards/*.json) from
// their Go definitions and the alerting bundle (rules/alerts.yaml for
// runbook links, rules/runbooks.url for their address, rules/thresholds.yaml
// for panel colours). The JSON files are its build output and are
// committed; a test fails when they are stale.
//
//	go run ./dashboards/gen            # from the repository root
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kos-ops/kos_exporter/internal/cli"
)

// boards lists every dashboard with the file it is written to.
var boards = []struct {
	file  string
	build func(*inputs) (*dashboard, error)
}{
	{"warroom.json", warRoom},
	{"contract.json", contract},
	{"integration.json", integration},
	{"product.json", product},
	{"device.json", device},
	{"error-queue.json", errorQueue},
	{"exporter.json", exporterHealth},
	{"results.json", resultsTable},
}

// render builds every dashboard from the bundle in rules and returns file
// name → JSON.
func render(rules string) (map[string][]byte, error) {
	in, err := loadInputs(rules)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, bd := range boards {
		d, err := bd.build(in)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			return nil, fmt.Errorf("encode %s: %w", bd.file, err)
		}
		out[bd.file] = buf.Bytes()
	}
	return out, nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	app := cli.New("gen", "Writes the KOS Grafana dashboards from their Go definitions and the alerting bundle.", stdout, stderr)
	var (
		rules  = app.Flag("rules.dir", "Directory of the alerting bundle (alerts.yaml, thresholds.yaml, runbooks.url).").Default("rules").String()
		output = app.Flag("output.dir", "Directory the dashboards are written to.").Default("dashboards").String()
	)
	if code, done := app.Parse(args); done {
		return code
	}
	logger := app.Logger()
	files, err := render(*rules)
	if err != nil {
		logger.Error("render dashboards", "err", err)
		return 1
	}
	for name, b := range files {
		path := filepath.Join(*output, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			logger.Error("write dashboard", "path", path, "err", err)
			return 1
		}
	}
	logger.Info("dashboards written", "count", len(files), "dir", *output)
	return 0
}
