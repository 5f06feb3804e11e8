//go:build e2e

package e2e

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// The shipped rules watch a launch day over minutes; the run is compressed
// by rewriting temporary copies of the rules and collectors (docs/e2e.md).
// The promtool unit tests in rules/tests cover the shipped durations and
// thresholds.
//
// Every `for:`, every range window (but the hourly table's [1h]), every
// age threshold and every collector interval shrinks by the same factor, so
// a time measured here times timeDivisor is the time on the shipped
// durations (the summary's "real" column), and each alert keeps the
// shipped ratio between how long it waits and what it averages over: a
// `for:` shorter than its window would fire on the window's edges (a ratio
// of the last few calls while traffic drains away). A 1-minute window
// becomes 12 s, which still holds four runs of a 15 s collector run every
// 3 s (the switches' 10 s becomes 3 s too, the floor). Scrapes and rule
// evaluation (3 s for 15 s) and the war-room's group_wait (6 s for 30 s)
// are their shipped fifth too, so the pipeline behind a page is not
// faster than on the day.
const timeDivisor = 5

var windowRe = regexp.MustCompile(`\[(\d+[smh])\]`)

// offsetRe: KOSAgencyTrafficDrop's usual level leaves out the last 15m.
var offsetRe = regexp.MustCompile(`(offset )(\d+[smh])`)

// ageThresholds grow in real seconds during an incident and shrink with
// the rest; at speed 60 the simulator's normal sync, OTA and MNP delays
// are a few seconds, well under a fifth of these. (The wait queue's is
// left as shipped: a customer's normal wait there is up to 5 hours
// simulated, 5 minutes real at speed 60.)
var ageThresholds = []string{
	"insurance_sync_age_seconds",
	"insurance_postcheck_caught_up_age_seconds",
	"ota_pending_age_seconds",
	"mnp_opening_pending_age_seconds",
	"wait_queue_oldest_age_seconds", // 75 minutes: 15 here, beyond any scenario
}

// rateThresholds arm the fast pages (a stop seen within minutes) only at
// launch volume, in events per second of the launch day. The simulator
// plays the day speed times faster, so its rates are speed times the
// day's: multiplied by speed, each arms in the run exactly when it would
// on the simulated day at that hour, and the page times are true to the
// day (docs/e2e.md).
var rateThresholds = []string{
	"activations_flowing_per_second",
	"activations_busy_per_second",
	"wait_queue_min_served_per_second",
}

// thresholds set outright: opening hours all day so the stall alert does
// not depend on the clock; the SKIP reminder after 30 s instead of an hour.
var thresholds = map[string]string{
	"opening_hour":           "0",
	"closing_hour":           "24",
	"skip_switch_on_seconds": "30",
	// A fifth of the shipped 45 and 10 minutes would outlast a scenario;
	// under-threshold waits are 15-40 s at speed 60, OTT hand-overs 1-5 s.
	"wait_queue_below_threshold_age_seconds": "60",
	"ott_postprocess_age_seconds":            "60",
}

var forRe = regexp.MustCompile(`(?m)^(\s+for: )(\S+)$`)

// writeRules writes the shortened copy of rules/*.yaml into dir, for a
// simulator at speed.
func writeRules(rulesDir, dir string, speed float64) error {
	for _, name := range []string{"alerts.yaml", "recording.yaml", "thresholds.yaml"} {
		b, err := os.ReadFile(filepath.Join(rulesDir, name))
		if err != nil {
			return err
		}
		s, err := shorten(string(b), name == "thresholds.yaml", speed)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// mapDurations replaces the duration in the second group of each match of
// re with what f makes of it.
func mapDurations(s string, re *regexp.Regexp, f func(time.Duration) time.Duration) (string, error) {
	var err error
	s = re.ReplaceAllStringFunc(s, func(m string) string {
		sub := re.FindStringSubmatch(m)
		d, perr := time.ParseDuration(sub[2])
		if perr != nil {
			err = fmt.Errorf("%s %w", strings.TrimSpace(sub[1]), perr)
			return m
		}
		return sub[1] + model.Duration(f(d)).String()
	})
	return s, err
}

func shrink(d time.Duration) time.Duration { return d / timeDivisor }

func shorten(s string, withThresholds bool, speed float64) (string, error) {
	s, err := mapDurations(s, forRe, shrink)
	if err == nil {
		s, err = mapDurations(s, offsetRe, shrink)
	}
	s = windowRe.ReplaceAllStringFunc(s, func(m string) string {
		d, perr := model.ParseDuration(m[1 : len(m)-1])
		if perr != nil || time.Duration(d) == time.Hour {
			return m
		}
		return "[" + model.Duration(shrink(time.Duration(d))).String() + "]"
	})
	if err != nil || !withThresholds {
		return s, err
	}
	for name, v := range thresholds {
		if s, err = setThreshold(s, name, func(string) (string, error) { return v, nil }); err != nil {
			return "", err
		}
	}
	scale := func(names []string, by float64) error {
		for _, name := range names {
			s, err = setThreshold(s, name, func(shipped string) (string, error) {
				f, perr := strconv.ParseFloat(shipped, 64)
				return strconv.FormatFloat(f*by, 'g', -1, 64), perr
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
	if err := scale(ageThresholds, 1.0/timeDivisor); err != nil {
		return "", err
	}
	return s, scale(rateThresholds, speed)
}

// setThreshold replaces the vector(...) of kos:threshold:name with what
// value makes of the shipped number.
func setThreshold(s, name string, value func(shipped string) (string, error)) (string, error) {
	re := regexp.MustCompile(`(record: kos:threshold:` + name + `\n\s+expr: )vector\(([^)]*)\)`)
	m := re.FindStringSubmatch(s)
	if m == nil {
		return "", fmt.Errorf("threshold %s not found, update the e2e rewrite", name)
	}
	v, err := value(m[2])
	if err != nil {
		return "", fmt.Errorf("threshold %s: %w", name, err)
	}
	return re.ReplaceAllString(s, "${1}vector("+v+")"), nil
}

const minCollectorInterval = 3 * time.Second

var (
	intervalRe = regexp.MustCompile(`(?m)^(\s+interval: )(\S+)$`)
	timeoutRe  = regexp.MustCompile(`(?m)^(\s+timeout: )(\S+)$`)
)

// writeCollectors writes the shipped collectors.yaml with every interval
// divided by timeDivisor, but not below minCollectorInterval, and every
// timeout cut to the shortest of them (a timeout may not exceed its
// interval; a query on the loaded machine may take a second or two).
func writeCollectors(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	shortest := time.Duration(math.MaxInt64)
	s, err := mapDurations(string(b), intervalRe, func(d time.Duration) time.Duration {
		d = max(shrink(d), minCollectorInterval)
		shortest = min(shortest, d)
		return d
	})
	if err == nil {
		s, err = mapDurations(s, timeoutRe, func(d time.Duration) time.Duration { return min(d, shortest) })
	}
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	return os.WriteFile(dst, []byte(s), 0o644)
}

// The shipped waits (30 s, 10 s group_wait; 5 m group_interval) would make
// every scenario last minutes: group_wait becomes 6 s (a fifth of the
// pager's 30 s, so the real-duration column stays fair), group_interval
// 3 s; routing, grouping, inhibitions and repeat_interval stay as shipped.
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
	s = groupWaitRe.ReplaceAllString(s, "${1}6s")
	s = groupIntervalRe.ReplaceAllString(s, "${1}3s")
	return os.WriteFile(dst, []byte(s), 0o644)
}

// writePrometheusConfig writes a config scraping the exporter and
// evaluating rules every 3 s (a fifth of the shipped 15 s) and sending to
// alertmanagers. A replica label (HA) is dropped from alerts
// so the two replicas' alerts are the same alert to Alertmanager.
func writePrometheusConfig(dst, rulesDir, exporter, replica string, alertmanagers []string) error {
	ext := ""
	if replica != "" {
		ext = fmt.Sprintf("  external_labels: {replica: %q}\n", replica)
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: 3s
  scrape_timeout: 3s
  evaluation_interval: 3s
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
