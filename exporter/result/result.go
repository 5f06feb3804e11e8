// Package result is what one collector run hands to the store: the series
// of each configured metric and the values that were skipped, and the
// reasons a run fails or a value is skipped. sqlrun produces it, snapshot
// consumes it; both import this package and nothing else of each other.
package result

import dto "github.com/prometheus/client_model/go"

// Result is one successful collector run. It is never modified once
// published.
type Result struct {
	Families []Family // one per configured metric, in config order
	Series   int      // exposed series (a histogram counts HistogramSeries)
	Skipped  map[Skip]int
}

// HistogramSeries is how many series a histogram with bounds buckets (not
// counting +Inf) exposes: its buckets, +Inf, sum and count.
func HistogramSeries(bounds int) int { return bounds + 3 }

// Family is the series of one configured metric, in the query's order:
// histograms as built metrics, gauges and counters packed.
type Family struct {
	Name    string
	Help    string
	Type    dto.MetricType // GAUGE, COUNTER or HISTOGRAM
	Metrics []*dto.Metric  // histograms
	Series  Series         // gauges and counters
}

// Skip identifies what was dropped or altered: the metric, the column that
// caused it and why. For duplicates the column is the value column (the
// bucket column for histograms).
type Skip struct {
	Metric, Column string
	Reason         SkipReason
}

// Reason is why a collector run failed, the value of the errors_total
// reason label.
type Reason string

// Reasons a collector run fails.
const (
	ReasonConnect     Reason = "connect"     // no connection to the target
	ReasonTimeout     Reason = "timeout"     // client or server-side time limit hit
	ReasonSQL         Reason = "sql"         // the server rejected the query (syntax, write refused, ...)
	ReasonScan        Reason = "scan"        // reading the rows failed
	ReasonColumns     Reason = "columns"     // a configured column is missing from the result
	ReasonCardinality Reason = "cardinality" // more series than max_series
)

// Reasons lists every failure reason, so counters can start at zero.
func Reasons() []Reason {
	return []Reason{ReasonConnect, ReasonTimeout, ReasonSQL, ReasonScan, ReasonColumns, ReasonCardinality}
}

// SkipReason is why a value was dropped or altered, the value of the
// skipped_values_total reason label.
type SkipReason string

// Reasons a value is dropped or altered.
const (
	SkipNullValue       SkipReason = "null_value"       // value column NULL: that sample is dropped
	SkipNonNumeric      SkipReason = "non_numeric"      // value not parseable as a number: sample dropped
	SkipNegativeCounter SkipReason = "negative_counter" // counter (or bucket count) below zero: sample dropped
	SkipNullLabel       SkipReason = "null_label"       // label column NULL: label value becomes "" (series kept)
	SkipInvalidLabel    SkipReason = "invalid_label"    // label value not valid UTF-8: row dropped for that metric
	SkipDuplicate       SkipReason = "duplicate"        // label set already produced in this run: later row dropped
	SkipBadBucket       SkipReason = "bad_bucket"       // histogram bucket bound NULL, unparsable or not declared
)

// SkipReasons lists every skip reason, so counters can start at zero.
func SkipReasons() []SkipReason {
	return []SkipReason{SkipNullValue, SkipNonNumeric, SkipNegativeCounter, SkipNullLabel, SkipInvalidLabel, SkipDuplicate, SkipBadBucket}
}
