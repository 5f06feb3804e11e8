//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// The shipped rules watch a launch day over minutes; the run is compressed
// by rewriting a temporary copy (docs/e2e.md). The promtool unit tests in
// rules/tests cover the shipped durations and thresholds.
//
// Every `for:` and every range window (but the hourly table's [1h]) shrinks
// by the same factor, so each alert keeps the shipped ratio between how long
// it waits and what it averages over: a `for:` shorter than its window
// would fire on the window's edges (a ratio of the last few calls while
// traffic drains away).
const timeDivisor = 5

var windows = map[string]string{"[5m]": "[1m]", "[10m]": "[2m]", "[15m]": "[3m]",
	"offset 15m": "offset 3m"} // KOSAgencyTrafficDrop's usual level leaves out the last 15m

// thresholds: ages that grow in real seconds during an incident, set well
// above their calm-day maximum (at speed 60 the simulator's own sync, OTA
// and MNP delays are at most 8 s); opening hours all day so the stall alert
// does not depend on the clock; the SKIP reminder after 30 s instead of an
// hour.
var thresholds = map[string]string{
	"opening_hour":                    "0",
	"closing_hour":                    "24",
	"insurance_sync_age_seconds":      "60",
	"ota_pending_age_seconds":         "60",
	"mnp_opening_pending_age_seconds": "40",
	"skip_switch_on_seconds":          "30",
	// Under-threshold waits are 15-40 s at speed 60, OTT hand-overs 1-5 s.
	"wait_queue_below_threshold_age_seconds": "60",
	"ott_postprocess_age_seconds":            "60",
}

var forRe = regexp.MustCompile(`(?m)^(\s+for: )(\S+)$`)

// writeRules writes the shortened copy of rules/*.yaml into dir.
func writeRules(rulesDir, dir string) error {
	for _, name := range []string{"alerts.yaml", "recording.yaml", "thresholds.yaml"} {
		b, err := os.ReadFile(filepath.Join(rulesDir, name))
		if err != nil {
			return err
		}
		s, err := shorten(string(b), name == "thresholds.yaml")
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func shorten(s string, withThresholds bool) (string, error) {
	var err error
	s = forRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := forRe.FindStringSubmatch(m)
		d, perr := time.ParseDuration(sub[2])
		if perr != nil {
			err = fmt.Errorf("for: %w", perr)
			return m
		}
		return sub[1] + model.Duration(d/timeDivisor).String()
	})
	for from, to := range windows {
		s = strings.ReplaceAll(s, from, to)
	}
	for name, v := range thresholds {
		if !withThresholds {
			break
		}
		re := regexp.MustCompile(`(record: kos:threshold:` + name + `\n\s+expr: )vector\([^)]*\)`)
		if !re.MatchString(s) {
			return "", fmt.Errorf("threshold %s not found, update the e2e rewrite", name)
		}
		s = re.ReplaceAllString(s, "${1}vector("+v+")")
	}
	return s, err
}

// The shipped waits (30 s, 10 s group_wait; 5 m group_interval) would make
// every scenario last minutes; routing, grouping, inhibitions and
// repeat_interval stay as shipped.
var (
	groupWaitRe     = regexp.MustCompile(`(?m)^(\s+group_wait: )\S+`)
	groupIntervalRe = regexp.MustCompile(`(?m)^(\s+group_interval: )\S+`)
)

const shippedWebhookBase = "http://127.0.0.1:9095/"

// writeAlertmanagerConfig writes examples/alertmanager.yml with its webhooks
// pointed at receiverBase (which ends in "/").
func writeAlertmanagerConfig(src, dst, receiverBase string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	s := string(b)
	if strings.Count(s, shippedWebhookBase) < 6 {
		return fmt.Errorf("%s: expected six webhooks on %s", src, shippedWebhookBase)
	}
	s = strings.ReplaceAll(s, shippedWebhookBase, receiverBase)
	s = groupWaitRe.ReplaceAllString(s, "${1}1s")
	s = groupIntervalRe.ReplaceAllString(s, "${1}3s")
	return os.WriteFile(dst, []byte(s), 0o644)
}

// writePrometheusConfig writes a config scraping the exporter every second
// and sending to alertmanagers. A replica label (HA) is dropped from alerts
// so the two replicas' alerts are the same alert to Alertmanager.
func writePrometheusConfig(dst, rulesDir, exporter, replica string, alertmanagers []string) error {
	ext := ""
	if replica != "" {
		ext = fmt.Sprintf("  external_labels: {replica: %q}\n", replica)
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
%srule_files: [%q]
alerting:
  alert_relabel_configs: [{action: labeldrop, regex: replica}]
  alertmanagers: [{static_configs: [{targets: [%s]}]}]
scrape_configs:
  - job_name: kos_exporter
    static_configs: [{targets: [%q]}]
`, ext, filepath.Join(rulesDir, "*.yaml"), quoteAll(alertmanagers), exporter)
	return os.WriteFile(dst, []byte(cfg), 0o644)
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
