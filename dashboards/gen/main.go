// Command gen writes the KOS Grafana dashboards (dashboards/*.json) from
// their Go definitions and the alerting bundle (rules/alerts.yaml for
// runbook links, rules/thresholds.yaml for panel colours). The JSON files
// are its build output and are committed; a test fails when they are stale.
//
//	go run ./dashboards/gen            # from the repository root
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
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

// render builds every dashboard and returns file name → JSON.
func render(repo string) (map[string][]byte, error) {
	in, err := loadInputs(repo)
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
	repo := flag.String("repo", ".", "repository root (reads rules/, writes dashboards/)")
	flag.Parse()
	files, err := render(*repo)
	if err != nil {
		slog.Error("render dashboards", "err", err)
		os.Exit(1)
	}
	for name, b := range files {
		path := filepath.Join(*repo, "dashboards", name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			slog.Error("write dashboard", "path", path, "err", err)
			os.Exit(1)
		}
	}
	slog.Info("dashboards written", "count", len(files))
}
