package config

import "encoding/json"

// A reload keeps what did not change running: these say what "unchanged"
// means. Positions never count, so moving a block in the file changes
// nothing.

// Equal reports whether t and o define the same connection, wherever they
// sit in the file.
func (t *Target) Equal(o *Target) bool {
	a, b := *t, *o
	a.Pos, b.Pos = Pos{}, Pos{}
	return a == b
}

// Revision fingerprints the definition, wherever it sits in the file: two
// collectors with the same revision run the same query on the same target
// and expose the same metrics.
func (c *Collector) Revision() string {
	x := *c
	x.Pos = Pos{}
	x.Metrics = make([]*Metric, len(c.Metrics))
	for i, m := range c.Metrics {
		mm := *m
		mm.Pos = Pos{}
		x.Metrics[i] = &mm
	}
	b, err := json.Marshal(x)
	if err != nil {
		panic(err) // only a non-finite bucket would fail, and Load refuses those
	}
	return string(b)
}
