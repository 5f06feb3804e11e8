package launchsim

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the plan's time zone loads on hosts without a zoneinfo database

	"gopkg.in/yaml.v3"

	"github.com/kos-ops/kos_exporter/internal/safefile"
)

// LaunchPlan is the launch day a Sim plays: the line-up and its mix, the
// day's volumes, the opening and the hourly shape (plans/default.yaml
// explains each key). It is immutable once parsed.
type LaunchPlan struct {
	name           string
	openAt         time.Duration // after local midnight
	loc            *time.Location
	activations    float64
	preorders      float64
	preorderWindow time.Duration
	portIns        float64
	portOuts       float64
	models         []weighted
	storage        [][]weighted // by model index
	kinds          []weighted   // of the activations that are not port-ins
	channels       []weighted
	carriers       []weighted
	waitQueueShare float64
	hourly         [hoursPerDay]float64
	hourlySum      float64
}

const hoursPerDay = 24

//go:embed plans/default.yaml
var defaultPlanYAML []byte

// DefaultPlan is the shipped plan, plans/default.yaml.
func DefaultPlan() LaunchPlan {
	p, err := ParsePlan(defaultPlanYAML, "plans/default.yaml")
	if err != nil {
		panic(err) // TestDefaultPlan keeps the embedded file valid
	}
	return p
}

// maxPlanSize bounds what LoadPlan reads: a plan is a page of YAML.
const maxPlanSize = 1 << 20

// LoadPlan reads and parses the plan in the regular file at path.
func LoadPlan(path string) (LaunchPlan, error) {
	data, err := safefile.ReadRegular(path, maxPlanSize)
	if err != nil {
		return LaunchPlan{}, fmt.Errorf("launch plan: %w", err)
	}
	return ParsePlan(data, path)
}

// ParsePlan decodes and validates a plan held in data; file names it in
// errors, which read "file:line: message", every problem found one per line.
// Unknown keys and values of the wrong type stop the decoding at the first.
func ParsePlan(data []byte, file string) (LaunchPlan, error) {
	var f planFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	switch err := dec.Decode(&f); {
	case errors.Is(err, io.EOF):
		return LaunchPlan{}, fmt.Errorf("%s: empty launch plan", file)
	case err != nil:
		return LaunchPlan{}, positioned(file, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return LaunchPlan{}, positioned(file, err)
	default:
		return LaunchPlan{}, fmt.Errorf("%s:%d: a second YAML document; a plan is one", file, next.Line)
	}
	v := &validator{file: file}
	p := v.plan(&f)
	if len(v.errs) > 0 {
		return LaunchPlan{}, errors.Join(v.errs...)
	}
	return p, nil
}

// WithActivations returns the plan scaled to n activations a day: the
// pre-orders and ports scale with them, the shape and mix stay.
func (p LaunchPlan) WithActivations(n int) LaunchPlan {
	f := float64(n) / p.activations
	p.activations *= f
	p.preorders *= f
	p.portIns *= f
	p.portOuts *= f
	return p
}

// Activations is the plan's activation requests per day.
func (p LaunchPlan) Activations() float64 { return p.activations }

// Name is the plan's name.
func (p LaunchPlan) Name() string { return p.name }

// Location is the plan's time zone.
func (p LaunchPlan) Location() *time.Location { return p.loc }

// Opening is the opening on the day t falls on, in the plan's time zone.
func (p LaunchPlan) Opening(t time.Time) time.Time {
	y, m, d := t.In(p.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, p.loc).Add(p.openAt)
}

// Preorders is the number of pre-ordered activations and how long after the
// opening the last of them is activated.
func (p LaunchPlan) Preorders() (float64, time.Duration) { return p.preorders, p.preorderWindow }

// Ports is the expected port-ins and port-outs of a launch day.
func (p LaunchPlan) Ports() (in, out float64) { return p.portIns, p.portOuts }

// Expected is the expected number of activation requests between from and
// to, simulated time after the launch opening (negative: before it, on the
// previous day's shape).
func (p LaunchPlan) Expected(from, to time.Duration) float64 {
	var n float64
	for t := from; t < to; {
		next := min(to, hourStart(t)+time.Hour)
		n += p.walkInRate(t) * (next - t).Seconds()
		t = next
	}
	return n + p.preorders*(p.preorderShare(to)-p.preorderShare(from))
}

// walkInRate is walk-in activations per simulated second at t after the
// launch opening: the hourly shape, repeated every day.
func (p LaunchPlan) walkInRate(t time.Duration) float64 {
	h := int(hourStart(t)/time.Hour) % hoursPerDay
	if h < 0 {
		h += hoursPerDay
	}
	return (p.activations - p.preorders) * p.hourly[h] / p.hourlySum / 3600
}

// preorderRate is pre-ordered activations per simulated second at t: the
// launch day's pre-orders spread evenly over the window from the opening,
// as a batch works through them at its throughput.
func (p LaunchPlan) preorderRate(t time.Duration) float64 {
	if t < 0 || t >= p.preorderWindow {
		return 0
	}
	return p.preorders / p.preorderWindow.Seconds()
}

// preorderShare is the share of the pre-orders activated by t.
func (p LaunchPlan) preorderShare(t time.Duration) float64 {
	return min(max(t.Seconds()/p.preorderWindow.Seconds(), 0), 1)
}

func (p LaunchPlan) maxWalkInRate() float64 {
	var m float64
	for _, w := range p.hourly {
		m = max(m, w)
	}
	return (p.activations - p.preorders) * m / p.hourlySum / 3600
}

func (p LaunchPlan) maxPreorderRate() float64 { return p.preorders / p.preorderWindow.Seconds() }

// hourStart rounds t down to the hour, also below zero.
func hourStart(t time.Duration) time.Duration {
	h := t.Truncate(time.Hour)
	if h > t {
		h -= time.Hour
	}
	return h
}

// The file's shape. Every struct checks its keys (the yaml package checks
// none when a custom unmarshaler decodes a node) and records its line for
// errors about what is missing in it.
type planFile struct {
	Name           at[string]    `yaml:"name"`
	Opening        at[string]    `yaml:"opening"`
	TimeZone       at[string]    `yaml:"time_zone"`
	Activations    at[int]       `yaml:"activations"`
	Preorders      preorderFile  `yaml:"preorders"`
	Ports          portsFile     `yaml:"ports"`
	Models         []modelFile   `yaml:"models"`
	Kinds          mixFile       `yaml:"kinds"`
	Channels       mixFile       `yaml:"channels"`
	OtherCarriers  mixFile       `yaml:"other_carriers"`
	WaitQueueShare at[float64]   `yaml:"wait_queue_share"`
	Hourly         at[[]float64] `yaml:"hourly"`
	line           int
}

type preorderFile struct {
	Count  at[int]    `yaml:"count"`
	Window at[string] `yaml:"window"`
	line   int
}

type portsFile struct {
	MarketDaily at[int]     `yaml:"market_daily"`
	InShare     at[float64] `yaml:"in_share"`
	OutShare    at[float64] `yaml:"out_share"`
	line        int
}

type modelFile struct {
	Name    at[string]  `yaml:"name"`
	Share   at[float64] `yaml:"share"`
	Storage mixFile     `yaml:"storage"`
	line    int
}

func (f *planFile) UnmarshalYAML(n *yaml.Node) error {
	type plain planFile
	return decodeStrict(n, (*plain)(f), &f.line)
}

func (f *preorderFile) UnmarshalYAML(n *yaml.Node) error {
	type plain preorderFile
	return decodeStrict(n, (*plain)(f), &f.line)
}

func (f *portsFile) UnmarshalYAML(n *yaml.Node) error {
	type plain portsFile
	return decodeStrict(n, (*plain)(f), &f.line)
}

func (f *modelFile) UnmarshalYAML(n *yaml.Node) error {
	type plain modelFile
	return decodeStrict(n, (*plain)(f), &f.line)
}

// decodeStrict decodes the mapping n into v, a pointer to a struct, failing
// on a key that none of its yaml tags names, and records n's line.
func decodeStrict(n *yaml.Node, v any, line *int) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: expected a mapping", n.Line)
	}
	t := reflect.TypeOf(v).Elem()
	known := map[string]bool{}
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" {
			known[tag] = true
		}
	}
	for i := 0; i < len(n.Content); i += 2 {
		if k := n.Content[i]; !known[k.Value] {
			return fmt.Errorf("line %d: unknown key %q", k.Line, k.Value)
		}
	}
	*line = n.Line
	return n.Decode(v)
}

// at is a scalar or list with the line it was written on (0: missing).
type at[T any] struct {
	v    T
	line int
}

func (a *at[T]) UnmarshalYAML(n *yaml.Node) error {
	a.line = n.Line
	return n.Decode(&a.v)
}

// mixFile is a mapping of names to shares, in file order (draws depend on
// the order).
type mixFile struct {
	names  []at[string]
	shares []at[float64]
	line   int
}

func (m *mixFile) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: expected a mapping of names to shares", n.Line)
	}
	m.line = n.Line
	for i := 0; i < len(n.Content); i += 2 {
		var s at[float64]
		if err := n.Content[i+1].Decode(&s); err != nil {
			return err
		}
		m.names = append(m.names, at[string]{n.Content[i].Value, n.Content[i].Line})
		m.shares = append(m.shares, s)
	}
	return nil
}

// yamlLine matches the yaml package's "line N: " inside its messages.
var yamlLine = regexp.MustCompile(`(?m)^\s*(?:yaml: )?line (\d+): `)

// positioned rewrites the yaml package's "yaml: line N: msg" as "file:N: msg".
func positioned(file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n")
	msg = yamlLine.ReplaceAllString(msg, file+":$1: ")
	if !strings.HasPrefix(msg, file+":") {
		msg = file + ": " + strings.TrimPrefix(msg, "yaml: ")
	}
	return errors.New(msg)
}

// validator collects every problem with its position.
type validator struct {
	file string
	errs []error
}

func (v *validator) errorf(line int, format string, args ...any) {
	pos := v.file
	if line > 0 {
		pos = fmt.Sprintf("%s:%d", v.file, line)
	}
	v.errs = append(v.errs, fmt.Errorf("%s: %s", pos, fmt.Sprintf(format, args...)))
}

// present reports a missing key at the line of the mapping it belongs in.
func (v *validator) present(line, parent int, key string) bool {
	if line == 0 {
		v.errorf(parent, "%s: missing", key)
		return false
	}
	return true
}

// Label values: the schema's columns hold 8 (storage) to 32 (model) bytes.
var labelValue = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

const shareTolerance = 1e-6

func (v *validator) plan(f *planFile) LaunchPlan {
	p := LaunchPlan{name: f.Name.v}
	v.present(f.Name.line, f.line, "name")
	if v.present(f.Opening.line, f.line, "opening") {
		open, err := time.Parse("15:04", f.Opening.v)
		if err != nil {
			v.errorf(f.Opening.line, "opening: %q is not a time of day HH:MM", f.Opening.v)
		}
		p.openAt = time.Duration(open.Hour())*time.Hour + time.Duration(open.Minute())*time.Minute
	}
	p.loc = time.UTC
	if v.present(f.TimeZone.line, f.line, "time_zone") {
		loc, err := time.LoadLocation(f.TimeZone.v)
		if err != nil || f.TimeZone.v == "" {
			v.errorf(f.TimeZone.line, "time_zone: %q is not an IANA time zone such as Asia/Seoul", f.TimeZone.v)
		} else {
			p.loc = loc
		}
	}
	if v.present(f.Activations.line, f.line, "activations") && f.Activations.v <= 0 {
		v.errorf(f.Activations.line, "activations: %d, want a positive number a day", f.Activations.v)
	}
	p.activations = float64(f.Activations.v)
	p.preorders, p.preorderWindow = v.preorders(&f.Preorders, f.line, f.Activations.v)
	p.portIns, p.portOuts = v.ports(&f.Ports, f.line, f.Activations.v)
	if len(f.Models) == 0 {
		v.errorf(f.line, "models: missing, want at least one")
	}
	var modelShares mixFile
	for i := range f.Models {
		m := &f.Models[i]
		subject := fmt.Sprintf("models[%d]", i)
		if v.present(m.Name.line, m.line, subject+".name") {
			subject = fmt.Sprintf("model %s", m.Name.v)
		}
		v.present(m.Share.line, m.line, subject+".share")
		modelShares.names = append(modelShares.names, m.Name)
		modelShares.shares = append(modelShares.shares, m.Share)
		p.storage = append(p.storage, v.mix(&m.Storage, m.line, subject+" storage", 8, nil))
	}
	if len(f.Models) > 0 {
		modelShares.line = f.Models[0].line
		p.models = v.mix(&modelShares, f.line, "models", 32, nil)
	}
	p.kinds = v.mix(&f.Kinds, f.line, "kinds", 16, []string{kindDeviceChange, kindNew})
	p.channels = v.mix(&f.Channels, f.line, "channels", 16, nil)
	p.carriers = v.mix(&f.OtherCarriers, f.line, "other_carriers", 16, nil)
	if v.present(f.WaitQueueShare.line, f.line, "wait_queue_share") && (f.WaitQueueShare.v < 0 || f.WaitQueueShare.v > 1) {
		v.errorf(f.WaitQueueShare.line, "wait_queue_share: %g, want a share between 0 and 1", f.WaitQueueShare.v)
	}
	p.waitQueueShare = f.WaitQueueShare.v
	p.hourly, p.hourlySum = v.hourly(f.Hourly, f.line)
	return p
}

func (v *validator) preorders(f *preorderFile, parent, activations int) (float64, time.Duration) {
	if !v.present(f.line, parent, "preorders") {
		return 0, time.Hour
	}
	if v.present(f.Count.line, f.line, "preorders.count") && (f.Count.v < 0 || f.Count.v > activations) {
		v.errorf(f.Count.line, "preorders.count: %d, want between 0 and the day's %d activations", f.Count.v, activations)
	}
	window := time.Hour
	if v.present(f.Window.line, f.line, "preorders.window") {
		d, err := time.ParseDuration(f.Window.v)
		switch {
		case err != nil:
			v.errorf(f.Window.line, "preorders.window: %q is not a duration such as 30m", f.Window.v)
		case d <= 0 || d > hoursPerDay*time.Hour:
			v.errorf(f.Window.line, "preorders.window: %s, want more than 0 and at most 24h", d)
		default:
			window = d
		}
	}
	return float64(f.Count.v), window
}

func (v *validator) ports(f *portsFile, parent, activations int) (in, out float64) {
	if !v.present(f.line, parent, "ports") {
		return 0, 0
	}
	if v.present(f.MarketDaily.line, f.line, "ports.market_daily") && f.MarketDaily.v <= 0 {
		v.errorf(f.MarketDaily.line, "ports.market_daily: %d, want a positive number of ports a day", f.MarketDaily.v)
	}
	for _, s := range []struct {
		key string
		v   at[float64]
	}{{"ports.in_share", f.InShare}, {"ports.out_share", f.OutShare}} {
		if v.present(s.v.line, f.line, s.key) && (s.v.v < 0 || s.v.v > 1) {
			v.errorf(s.v.line, "%s: %g, want a share between 0 and 1", s.key, s.v.v)
		}
	}
	in, out = float64(f.MarketDaily.v)*f.InShare.v, float64(f.MarketDaily.v)*f.OutShare.v
	if in > float64(activations) {
		v.errorf(f.InShare.line, "ports: %.0f port-ins (market_daily × in_share) exceed the day's %d activations", in, activations)
	}
	return in, out
}

// mix checks names (label values of at most maxLen bytes, one of allowed
// when given) and shares (positive, summing to 1).
func (v *validator) mix(m *mixFile, parent int, key string, maxLen int, allowed []string) []weighted {
	if !v.present(m.line, parent, key) {
		return nil
	}
	if len(m.names) == 0 {
		v.errorf(m.line, "%s: empty, want at least one", key)
	}
	var out []weighted
	var sum float64
	for i, name := range m.names {
		s := m.shares[i]
		switch {
		case allowed != nil && !slices.Contains(allowed, name.v):
			v.errorf(name.line, "%s: %q is not one of %s", key, name.v, strings.Join(allowed, ", "))
		case !labelValue.MatchString(name.v) || len(name.v) > maxLen:
			v.errorf(name.line, "%s: %q, want letters, digits and _, at most %d bytes", key, name.v, maxLen)
		}
		if s.v <= 0 || s.v > 1 {
			v.errorf(s.line, "%s: %s has share %g, want more than 0 and at most 1", key, name.v, s.v)
		}
		sum += s.v
		out = append(out, weighted{name.v, s.v})
	}
	if len(m.names) > 0 && math.Abs(sum-1) > shareTolerance {
		v.errorf(m.line, "%s: shares sum to %.4g, want 1", key, sum)
	}
	return out
}

func (v *validator) hourly(h at[[]float64], parent int) ([hoursPerDay]float64, float64) {
	var out [hoursPerDay]float64
	if !v.present(h.line, parent, "hourly") {
		return out, 1
	}
	if len(h.v) != hoursPerDay {
		v.errorf(h.line, "hourly: %d weights, want %d (one per hour from the opening)", len(h.v), hoursPerDay)
		return out, 1
	}
	var sum float64
	for i, w := range h.v {
		if w < 0 {
			v.errorf(h.line, "hourly: weight %g of hour %d is negative", w, i)
		}
		out[i] = w
		sum += w
	}
	if sum <= 0 {
		v.errorf(h.line, "hourly: weights sum to %g, want a positive sum", sum)
		return out, 1
	}
	return out, sum
}
