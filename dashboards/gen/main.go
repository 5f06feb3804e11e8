// Command gen writes the KOS monitoring bundle with the site's names from
// bundle.yaml (job, runbook address, dashboard time zone): rules/*.yaml and
// rules/tests/*.test.yaml from their templates in rules/src, and the Grafana
// dashboards (dashboards/*.json) from their Go definitions and the rendered
// alerts and thresholds. Its output is committed, rendered with the shipped
// bundle.yaml; a test fails when it is stale.
//
//	make bundle            # go run ./dashboards/gen, from the repository root
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

// render builds the bundle with the names in config from the rule
// templates in src and returns path (slash-separated, under the output
// directory) → content.
func render(config, src string) (map[string][]byte, error) {
	rules, in, err := load(config, src)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for name, b := range rules {
		out["rules/"+name] = b
	}
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
		out["dashboards/"+bd.file] = buf.Bytes()
	}
	return out, nil
}

// load renders the rules with the names in config and reads from them
// what the dashboards need.
func load(config, src string) (map[string][]byte, *inputs, error) {
	n, err := loadNames(config)
	if err != nil {
		return nil, nil, err
	}
	rules, err := renderRules(src, n)
	if err != nil {
		return nil, nil, err
	}
	in, err := newInputs(rules, n)
	if err != nil {
		return nil, nil, err
	}
	return rules, in, nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	app := cli.New("gen", "Writes the KOS alerting rules and Grafana dashboards with the names in bundle.yaml.", stdout, stderr)
	var (
		config = app.Flag("config.file", "The bundle's names: job, runbook_url_base, dashboard_timezone.").Default("bundle.yaml").String()
		src    = app.Flag("source.dir", "Templates of rules/*.yaml and rules/tests/*.test.yaml.").Default(filepath.Join("rules", "src")).String()
		output = app.Flag("output.dir", "Directory rules/ and dashboards/ are written under.").Default(".").String()
	)
	if code, done := app.Parse(args); done {
		return code
	}
	logger := app.Logger()
	files, err := render(*config, *src)
	if err != nil {
		logger.Error("render bundle", "err", err)
		return 1
	}
	for name, b := range files {
		path := filepath.Join(*output, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			logger.Error("create directory", "path", filepath.Dir(path), "err", err)
			return 1
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			logger.Error("write bundle file", "path", path, "err", err)
			return 1
		}
	}
	logger.Info("bundle written", "files", len(files), "dir", *output, "config", *config)
	return 0
}
