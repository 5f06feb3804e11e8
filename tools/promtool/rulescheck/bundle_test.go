package rulescheck

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"
)

// repo is the repository root, seen from this package's directory.
const repo = "../../.."

// ruleFiles are the rule files Prometheus loads, in load order.
var ruleFiles = []string{"thresholds.yaml", "recording.yaml", "alerts.yaml"}

// bundleNames are the names of bundle.yaml (the one place they are set,
// read by the generator dashboards/gen) that the checks need.
type bundleNames struct {
	Job            string `yaml:"job"`
	RunbookURLBase string `yaml:"runbook_url_base"`
}

func loadBundleNames(t *testing.T) bundleNames {
	t.Helper()
	var n bundleNames
	if err := yaml.Unmarshal(readFile(t, "bundle.yaml"), &n); err != nil {
		t.Fatalf("bundle.yaml: %v", err)
	}
	return n
}

// runbooksURL is where docs/runbooks.md is published; an alert's runbook is
// its section #<lower-case name>.
func runbooksURL(t *testing.T) string {
	t.Helper()
	return loadBundleNames(t).RunbookURLBase
}

// loadRules parses every rule file with Prometheus' own loader, which also
// checks each expression and template; loadRulesFrom those in dir.
func loadRules(t *testing.T) []rulefmt.Rule {
	t.Helper()
	return loadRulesFrom(t, filepath.Join(repo, "rules"))
}

func loadRulesFrom(t *testing.T, dir string) []rulefmt.Rule {
	t.Helper()
	var rules []rulefmt.Rule
	for _, f := range ruleFiles {
		groups, errs := rulefmt.ParseFile(filepath.Join(dir, f), false, model.UTF8Validation, parser.NewParser(parser.Options{}), nil)
		for _, err := range errs {
			t.Errorf("%s: %v", f, err)
		}
		if groups == nil {
			t.Fatalf("%s: no rule groups", f)
		}
		for _, g := range groups.Groups {
			rules = append(rules, g.Rules...)
		}
	}
	return rules
}

func alerts(rules []rulefmt.Rule) []rulefmt.Rule {
	var out []rulefmt.Rule
	for _, r := range rules {
		if r.Alert != "" {
			out = append(out, r)
		}
	}
	return out
}

func readFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// githubAnchor is the fragment GitHub generates for a Markdown heading:
// lower case, punctuation other than '-' and '_' dropped, spaces to '-'.
func githubAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestGithubAnchor(t *testing.T) {
	for _, tc := range []struct{ heading, want string }{
		{"KOSAgencyErrorRatioHigh", "kosagencyerrorratiohigh"},
		{"How alerts reach people", "how-alerts-reach-people"},
		{"Reference switches (KAIT, SGI)", "reference-switches-kait-sgi"},
	} {
		t.Run(tc.heading, func(t *testing.T) {
			if got := githubAnchor(tc.heading); got != tc.want {
				t.Errorf("githubAnchor(%q) = %q, want %q", tc.heading, got, tc.want)
			}
		})
	}
}

var (
	alertName = regexp.MustCompile(`^KOS[A-Z][A-Za-z0-9]+$`)
	parts     = []string{"contract", "integration", "product", "device", "platform"}
	levels    = []string{"critical", "warning", "info"}
)

// TestAlertConventions checks what every alert must carry to be routed and
// acted on: name, severity, part, for, summary, description, runbook.
func TestAlertConventions(t *testing.T) {
	runbooks := runbookHeadings(t)
	base := runbooksURL(t)
	seen := map[string]bool{}
	for _, a := range alerts(loadRules(t)) {
		t.Run(a.Alert, func(t *testing.T) {
			if !alertName.MatchString(a.Alert) {
				t.Errorf("name is not CamelCase with the KOS prefix")
			}
			if seen[a.Alert] {
				t.Errorf("alert defined twice")
			}
			seen[a.Alert] = true
			if !slices.Contains(levels, a.Labels["severity"]) {
				t.Errorf("severity %q, want one of %v", a.Labels["severity"], levels)
			}
			if !slices.Contains(parts, a.Labels["part"]) {
				t.Errorf("part %q, want one of %v", a.Labels["part"], parts)
			}
			if a.For <= 0 {
				t.Errorf("no for: duration")
			}
			if s := a.Annotations["summary"]; s == "" || strings.Contains(s, "{{") {
				t.Errorf("summary %q must be static and non-empty", s)
			}
			if d := a.Annotations["description"]; !strings.Contains(d, "$value") && !strings.Contains(d, "$labels") {
				t.Errorf("description %q shows neither the value nor the affected labels", d)
			}
			want := base + "#" + strings.ToLower(a.Alert)
			if got := a.Annotations["runbook_url"]; got != want {
				t.Errorf("runbook_url %q, want %q", got, want)
			}
			if !runbooks[strings.ToLower(a.Alert)] {
				t.Errorf("docs/runbooks.md has no section ## %s", a.Alert)
			}
		})
	}
	// A runbook for an alert that no longer exists misleads.
	anchors := map[string]bool{}
	for name := range seen {
		anchors[strings.ToLower(name)] = true
	}
	for anchor := range runbooks {
		if strings.HasPrefix(anchor, "kos") && !anchors[anchor] {
			t.Errorf("docs/runbooks.md section #%s has no alert", anchor)
		}
	}
}

// runbookHeadings returns the anchors of the level-2 headings of docs/runbooks.md.
func runbookHeadings(t *testing.T) map[string]bool {
	t.Helper()
	anchors := map[string]bool{}
	for line := range strings.Lines(string(readFile(t, "docs/runbooks.md"))) {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			anchors[githubAnchor(h)] = true
		}
	}
	return anchors
}

// TestThresholdsAreUsed keeps thresholds.yaml the single, live place to tune:
// every constant there is read by some rule.
func TestThresholdsAreUsed(t *testing.T) {
	rules := loadRules(t)
	used := map[string]bool{}
	for _, r := range rules {
		for _, vs := range selectors(t, r.Expr) {
			used[vs.name] = true
		}
	}
	for _, r := range rules {
		if strings.HasPrefix(r.Record, "kos:threshold:") && !used[r.Record] {
			t.Errorf("threshold %s is not used by any rule", r.Record)
		}
	}
}

// selector is one metric selector of an expression.
type selector struct {
	name     string
	matchers []matcher // without __name__
	grouping []string  // labels of the innermost aggregation around it, if by(...)
}

type matcher struct {
	name  string
	value string
	re    bool // =~; != and !~ are not checked
	neg   bool
}

// selectors parses expr and lists its metric selectors.
func selectors(t *testing.T, expr string) []selector {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Fatalf("parse %q: %v", expr, err)
	}
	var out []selector
	parser.Inspect(e, func(n parser.Node, path []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		s := selector{name: vs.Name}
		for _, m := range vs.LabelMatchers {
			if m.Name == model.MetricNameLabel {
				if s.name == "" {
					s.name = m.Value
				}
				continue
			}
			s.matchers = append(s.matchers, matcher{
				name: m.Name, value: m.Value,
				re:  m.Type == labels.MatchRegexp || m.Type == labels.MatchNotRegexp,
				neg: m.Type == labels.MatchNotEqual || m.Type == labels.MatchNotRegexp,
			})
		}
		for i := len(path) - 1; i >= 0; i-- {
			if agg, ok := path[i].(*parser.AggregateExpr); ok {
				if !agg.Without {
					s.grouping = agg.Grouping
				}
				break
			}
		}
		out = append(out, s)
		return nil
	})
	return out
}

// collectorsFile is the part of collectors.yaml that says which series exist.
type collectorsFile struct {
	Collectors []struct {
		Name    string `yaml:"name"`
		Metrics []struct {
			Name        string            `yaml:"name"`
			Type        string            `yaml:"type"`
			Labels      []string          `yaml:"labels"`
			ConstLabels map[string]string `yaml:"const_labels"`
			Values      []string          `yaml:"values"`
			ValueLabel  string            `yaml:"value_label"`
		} `yaml:"metrics"`
	} `yaml:"collectors"`
}

// family is a metric the exporter exposes: its label names and, for the
// label that names a value column, the values it takes.
type family struct {
	labels map[string]bool
	values map[string][]string // label → the only values it takes
}

// exposed lists every series name collectors.yaml produces, with the
// target labels Prometheus adds. Histograms produce _bucket (with le),
// _sum and _count.
func exposed(t *testing.T) map[string]family {
	t.Helper()
	var cf collectorsFile
	if err := yaml.Unmarshal(readFile(t, "collectors.yaml"), &cf); err != nil {
		t.Fatalf("collectors.yaml: %v", err)
	}
	out := map[string]family{}
	for _, c := range cf.Collectors {
		for _, m := range c.Metrics {
			f := family{labels: map[string]bool{"instance": true, "job": true}, values: map[string][]string{}}
			for _, l := range m.Labels {
				f.labels[l] = true
			}
			for l, v := range m.ConstLabels {
				f.labels[l] = true
				f.values[l] = []string{v}
			}
			if m.ValueLabel != "" {
				f.labels[m.ValueLabel] = true
				f.values[m.ValueLabel] = m.Values
			}
			if m.Type != "histogram" {
				out[m.Name] = f
				continue
			}
			out[m.Name+"_sum"] = f
			out[m.Name+"_count"] = f
			bucket := family{labels: map[string]bool{"le": true}, values: f.values}
			for l := range f.labels {
				bucket.labels[l] = true
			}
			out[m.Name+"_bucket"] = bucket
		}
	}
	if len(out) == 0 {
		t.Fatal("collectors.yaml declares no metrics")
	}
	return out
}

var selfMetricRow = regexp.MustCompile("^\\| `(kos_exporter_[a-z_]+)` \\|")

// selfMetrics reads the exporter's self-metrics from the README's table.
func selfMetrics(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for line := range strings.Lines(string(readFile(t, "README.md"))) {
		if m := selfMetricRow.FindStringSubmatch(line); m != nil {
			out[m[1]] = true
		}
	}
	if !out["kos_exporter_collector_up"] || !out["kos_exporter_target_up"] {
		t.Fatalf("README.md self-metrics table not found (have %v)", out)
	}
	return out
}

// TestRulesReadExposedMetrics fails when a rule reads a metric that nothing
// produces, a label such a metric does not have, or a value its value label
// never takes: the rule would silently match nothing.
func TestRulesReadExposedMetrics(t *testing.T) {
	inv := newInventory(t)
	for _, r := range loadRules(t) {
		t.Run(r.Record+r.Alert, func(t *testing.T) { inv.check(t, r.Expr) })
	}
}

func checkLabels(t *testing.T, s selector, f family) {
	t.Helper()
	for _, m := range s.matchers {
		if !f.labels[m.name] {
			t.Errorf("%s has no label %q", s.name, m.name)
			continue
		}
		values, fixed := f.values[m.name]
		if !fixed || m.neg {
			continue
		}
		if m.re {
			re := regexp.MustCompile("^(?:" + m.value + ")$")
			if !slices.ContainsFunc(values, re.MatchString) {
				t.Errorf("%s{%s=~%q} matches none of its values %v", s.name, m.name, m.value, values)
			}
		} else if !slices.Contains(values, m.value) {
			t.Errorf("%s{%s=%q}: the label only takes %v", s.name, m.name, m.value, values)
		}
	}
	for _, l := range s.grouping {
		if !f.labels[l] {
			t.Errorf("aggregation by %q over %s, which has no such label", l, s.name)
		}
	}
}

// ruleTestFile is the part of promtool's test format the coverage check reads.
type ruleTestFile struct {
	Tests []struct {
		Name          string `yaml:"name"`
		AlertRuleTest []struct {
			EvalTime  string `yaml:"eval_time"`
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
		PromQLExprTest []struct {
			Expr string `yaml:"expr"`
		} `yaml:"promql_expr_test"`
	} `yaml:"tests"`
}

func loadRuleTests(t *testing.T) map[string]ruleTestFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(repo, "rules", "tests", "*.test.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no rules/tests/*.test.yaml (%v)", err)
	}
	out := map[string]ruleTestFile{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var f ruleTestFile
		if err := yaml.Unmarshal(b, &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[filepath.Base(p)] = f
	}
	return out
}

// TestEveryRuleIsTested: each alert fires in some test and is checked
// silent at every evaluation time of the calm day; each recording rule
// (thresholds aside) is evaluated by some expression test.
func TestEveryRuleIsTested(t *testing.T) {
	rules := loadRules(t)
	files := loadRuleTests(t)
	calm, ok := files["calm.test.yaml"]
	if !ok || len(calm.Tests) == 0 {
		t.Fatal("rules/tests/calm.test.yaml is missing")
	}
	fires := map[string]bool{}
	calmSilent := map[string]map[string]bool{} // alert → eval times listed silent
	calmTimes := map[string]bool{}
	var exprs []string
	for name, f := range files {
		for _, tc := range f.Tests {
			for _, a := range tc.AlertRuleTest {
				if len(a.ExpAlerts) > 0 {
					fires[a.Alertname] = true
				}
				if name != "calm.test.yaml" {
					continue
				}
				if len(a.ExpAlerts) > 0 {
					t.Errorf("calm day expects %s to fire at %s", a.Alertname, a.EvalTime)
				}
				calmTimes[a.EvalTime] = true
				if calmSilent[a.Alertname] == nil {
					calmSilent[a.Alertname] = map[string]bool{}
				}
				calmSilent[a.Alertname][a.EvalTime] = true
			}
			for _, e := range tc.PromQLExprTest {
				exprs = append(exprs, e.Expr)
			}
		}
	}
	for _, a := range alerts(rules) {
		if !fires[a.Alert] {
			t.Errorf("%s: no test expects it to fire", a.Alert)
		}
		for at := range calmTimes {
			if !calmSilent[a.Alert][at] {
				t.Errorf("%s: the calm day does not check it stays silent at %s", a.Alert, at)
			}
		}
	}
	for _, r := range rules {
		if r.Record == "" || strings.HasPrefix(r.Record, "kos:threshold:") {
			continue
		}
		if !slices.ContainsFunc(exprs, func(e string) bool {
			return slices.ContainsFunc(selectors(t, e), func(s selector) bool { return s.name == r.Record })
		}) {
			t.Errorf("recording rule %s has no expression test", r.Record)
		}
	}
}
