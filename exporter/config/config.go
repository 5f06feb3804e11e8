// Package config loads and validates collectors.yaml: targets (MySQL
// connections) and collectors (SQL plus the metrics each query yields).
// A *Config returned by Load is complete, validated and never mutated.
//
// The pipeline, a file per step: load.go (Load and Parse: read the file,
// then decode and validate it, then resolve ${ENV} and dsn_file),
// decode.go (YAML nodes to raw values that keep their lines), validate.go
// (defaults and checks that build the Config), with names.go (metric and
// label names), sqlguard.go (the SQL check) and errors.go (problems
// collected with their lines). identity.go says when a reload changes
// nothing.
package config

import (
	"fmt"
	"strings"
	"time"
)

// Metric types a collector may declare.
const (
	TypeGauge     = "gauge"
	TypeCounter   = "counter"
	TypeHistogram = "histogram"
)

// Defaults applied where the file is silent.
const (
	DefaultInterval     = 15 * time.Second
	DefaultTimeout      = 5 * time.Second
	DefaultMaxSeries    = 10000
	DefaultMaxOpenConns = 2
	DefaultBucketColumn = "le"
	// since_midnight defaults: the day up to a mark one minute back is
	// counted again every 10 minutes (bench-db: the base dominates the
	// evening's cost at 5).
	DefaultSettle = 10 * time.Minute
	DefaultMargin = time.Minute
	// DefaultStalenessFactor times the interval is how long a result stays
	// exposed when no newer successful run replaced it.
	DefaultStalenessFactor = 3
)

// Lower bounds: an interval of "1ms" is a typo for "1m" that would put
// thousands of statements a second on the database.
const (
	MinInterval = time.Second
	MinTimeout  = time.Second
)

// Config is the whole of collectors.yaml after defaults and validation.
type Config struct {
	File       string       // path the config was read from, for messages
	Global     Global       // defaults for every collector
	Targets    []*Target    // in file order
	Collectors []*Collector // in file order
}

// Collector returns the collector called name, or nil.
func (c *Config) Collector(name string) *Collector {
	for _, col := range c.Collectors {
		if col.Name == name {
			return col
		}
	}
	return nil
}

// Target returns the target called name, or nil.
func (c *Config) Target(name string) *Target {
	for _, t := range c.Targets {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Global holds defaults that collectors inherit.
type Global struct {
	Interval  time.Duration
	Timeout   time.Duration
	Staleness time.Duration // zero: DefaultStalenessFactor × interval
	MaxSeries int
}

// Target is one named MySQL connection.
type Target struct {
	Name         string
	DSN          Secret // after ${ENV} expansion or read from DSNFile
	DSNFile      string
	MaxOpenConns int
	Pos          Pos
}

// String spells out t like %+v would, with the DSN redacted. Secret's own
// Format is not enough: fmt prints a *Target nested in a slice without any
// methods when the verb does not suit a pointer (%s, %q), DSN included.
func (t Target) String() string {
	return fmt.Sprintf("{Name:%s DSN:%s DSNFile:%s MaxOpenConns:%d Pos:%s}", t.Name, t.DSN, t.DSNFile, t.MaxOpenConns, t.Pos)
}

// Collector is one SQL query run on its own schedule.
type Collector struct {
	Name      string
	Target    string
	SQL       string
	Interval  time.Duration
	Timeout   time.Duration // client and server-side limit per run
	Staleness time.Duration // results older than this are not exposed
	MaxSeries int
	// SinceMidnight is set when the collector counts the database's day
	// in two parts; its SQL then has placeholders.
	SinceMidnight *SinceMidnight
	// SumDuplicates (duplicates: sum) adds up the values of rows with the
	// same labels instead of keeping the first: a query may then return a
	// group once per branch of a UNION ALL, which costs the server less than
	// grouping the union again.
	SumDuplicates bool
	Metrics       []*Metric
	Pos           Pos
}

// SinceMidnight is a collector whose counters and histograms count the
// rows of the database's day, through time ranges in its SQL given as
// pairs of placeholders ("t >= ? AND t < ?"). The exporter counts the day
// up to a mark (the database's NOW(6) less Margin) every Settle, at start,
// reload and when the database's date changes, keeps that as the base,
// and on every run counts only from the mark on, exposing base + recent.
type SinceMidnight struct {
	Settle time.Duration
	Margin time.Duration
	// Placeholders are the offsets of the "?" in SQL, in order: the start
	// and end of each range in turn.
	Placeholders []int
}

// Bind is c's SQL with every range set to [start, end): start and end are
// SQL literals the caller built, the same for every pair.
func (c *Collector) Bind(start, end string) string {
	var b strings.Builder
	last := 0
	for i, at := range c.SinceMidnight.Placeholders {
		b.WriteString(c.SQL[last:at])
		if i%2 == 0 {
			b.WriteString(start)
		} else {
			b.WriteString(end)
		}
		last = at + 1
	}
	b.WriteString(c.SQL[last:])
	return b.String()
}

// Metric maps query columns onto one metric family.
type Metric struct {
	Name string
	Type string // TypeGauge, TypeCounter or TypeHistogram
	Help string
	// Labels are column names whose values become label values (label name = column name).
	Labels []string
	// ConstLabels are fixed label pairs added to every series.
	ConstLabels map[string]string
	// Value is the single value column; exclusive with Values.
	Value string
	// Values are several value columns feeding one metric; each becomes a
	// series whose ValueLabel label holds the column name.
	Values     []string
	ValueLabel string
	// Histogram only: each row is one bucket. BucketColumn holds the upper
	// bound (a number or "+Inf"), Value the count of observations in that
	// bucket alone (not cumulative) and Sum their sum. Buckets are the
	// declared upper bounds; a row whose bound is not declared is an error.
	BucketColumn string
	Buckets      []float64
	Sum          string
	Pos          Pos
}

// Pos is where something was declared, for error messages.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Secret is a string that never prints its content.
type Secret string

// String redacts the secret for logs and pages.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "<secret>"
}

// Format redacts the secret for every verb, %#v and %d included; String
// alone would not cover those.
func (s Secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// MarshalText redacts the secret in JSON, YAML and slog output.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
