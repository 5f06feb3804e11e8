package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// The yaml-facing side: the file is walked as a yaml.Node tree rather than
// decoded into tagged structs, so that every key keeps its line and every
// problem is collected instead of stopping at the first one.

// field is one value read from the file with the line of its key.
type field[T any] struct {
	v    T
	line int  // line of the key; 0 when the key is absent
	ok   bool // present and well-formed
}

// item is one element of a list with its own line.
type item[T any] struct {
	v    T
	line int
}

type rawConfig struct {
	line       int
	global     schedule
	targets    []*rawTarget
	collectors field[[]*rawCollector]
}

// schedule holds the keys shared by global and collectors.
type schedule struct {
	interval, timeout, staleness field[time.Duration]
	maxSeries                    field[int]
}

type rawTarget struct {
	name         string
	line         int
	dsn, dsnFile field[string]
	maxOpenConns field[int]
}

type rawCollector struct {
	subject           string
	line              int
	name, target, sql field[string]
	duplicates        field[string]
	schedule
	sinceMidnight rawSinceMidnight
	metrics       field[[]*rawMetric]
}

// rawSinceMidnight is a collector's since_midnight block; line is 0 when
// the collector has none.
type rawSinceMidnight struct {
	line           int
	settle, margin field[time.Duration]
}

type rawMetric struct {
	subject                                               string
	line                                                  int
	malformed                                             bool // decoding reported a problem
	name, typ, help, value, valueLabel, bucketColumn, sum field[string]
	labels, values                                        field[[]item[string]]
	constLabels                                           field[[]constLabel]
	buckets                                               field[[]item[float64]]
}

type constLabel struct {
	name, value string
	line        int
}

// maxNodes bounds the walk: aliases can make a small file expand without
// limit. The shipped collectors.yaml (48 collectors and metrics) is 656
// nodes, so this is 200 times that; 1<<20 let a 8 KB file of aliased
// metrics build 75 MB of raw structures, 1<<17 keeps it near 20 MB.
const maxNodes = 1 << 17

// parser collects the problems of one file.
type parser struct {
	file string
	// errs is at most MaxErrors problems, the earliest by line, then the
	// summary of the others once there are some. While full, errs[:MaxErrors]
	// is a heap whose top is the latest problem kept.
	errs  Errors
	count int // problems found, kept or not
	nodes int
}

// document parses data into the root mapping node, or nil after recording
// why there is none.
func (p *parser) document(data []byte) *yaml.Node {
	if !p.validUTF8(data) {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorf(1, "", "config is empty")
		} else {
			p.syntaxError(err)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		p.syntaxError(err)
		return nil
	default:
		p.errorf(next.Line, "", "multiple YAML documents are not supported")
		return nil
	}
	if len(doc.Content) == 0 {
		p.errorf(1, "", "config is empty")
		return nil
	}
	return doc.Content[0]
}

// validUTF8 reports whether data is valid UTF-8, after recording where it
// is not: yaml.v3 says so without a line. A file starting with a UTF-16
// byte order mark is left to yaml.v3, which decodes it.
func (p *parser) validUTF8(data []byte) bool {
	if bytes.HasPrefix(data, []byte{0xfe, 0xff}) || bytes.HasPrefix(data, []byte{0xff, 0xfe}) || utf8.Valid(data) {
		return true
	}
	off := 0
	for off < len(data) {
		r, size := utf8.DecodeRune(data[off:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		off += size
	}
	lineStart := bytes.LastIndexByte(data[:off], '\n') + 1
	line := bytes.Count(data[:off], []byte{'\n'}) + 1
	col := utf8.RuneCount(data[lineStart:off]) + 1
	p.errorf(line, "", "invalid UTF-8: byte 0x%02x at column %d", data[off], col)
	return false
}

// syntaxError turns yaml.v3's "yaml: line N: msg" into an *Error at line N.
// Without a line yaml.v3 means the first one.
func (p *parser) syntaxError(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, after, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil && n > 0 {
				line, msg = n, after
			}
		}
	}
	p.errorf(line, "", "invalid YAML: %s", msg)
}

// node follows aliases and counts the nodes walked.
func (p *parser) node(n *yaml.Node) *yaml.Node {
	p.nodes++
	if p.nodes == maxNodes {
		// Kept even when the list is full: it explains the flood.
		p.record(n.Line, "", true, "more than %d YAML nodes after expanding aliases", maxNodes)
	}
	return resolve(n)
}

func (p *parser) exhausted() bool { return p.nodes >= maxNodes }

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

func kindName(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "mapping"
	case n.Kind == yaml.SequenceNode:
		return "sequence"
	case isNull(n):
		return "null"
	case n.Kind == yaml.ScalarNode:
		return "scalar"
	}
	return "document"
}

// prefix names the key a message is about; element messages have none.
func prefix(key string) string {
	if key == "" {
		return ""
	}
	return key + ": "
}

// mapping calls fn for each key of n in order; fn reports whether it knows
// the key. A null node is an empty mapping. It reports whether n was a
// mapping.
func (p *parser) mapping(n *yaml.Node, key, subject string, fn func(key string, k, v *yaml.Node) bool) bool {
	n = p.node(n)
	if isNull(n) {
		return true
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, subject, "%sexpected a mapping, got a %s", prefix(key), kindName(n))
		return false
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content) && !p.exhausted(); i += 2 {
		k, v := p.node(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode || isNull(k) {
			p.errorf(k.Line, subject, "%skeys must be strings, got a %s", prefix(key), kindName(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.errorf(k.Line, subject, "%skey %q already set at line %d", prefix(key), k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		if !fn(k.Value, k, v) {
			p.errorf(k.Line, subject, "%sunknown key %q", prefix(key), k.Value)
		}
	}
	return true
}

// sequence calls fn for each element of n. A null node is an empty
// sequence. It reports whether n was a sequence.
func (p *parser) sequence(n *yaml.Node, key, subject string, fn func(i int, v *yaml.Node)) bool {
	n = p.node(n)
	if isNull(n) {
		return true
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n.Line, subject, "%sexpected a sequence, got a %s", prefix(key), kindName(n))
		return false
	}
	for i, v := range n.Content {
		if p.exhausted() {
			break
		}
		fn(i, v)
	}
	return true
}

// scalar returns the text of a non-blank scalar. Messages never quote the
// text: it may be a DSN.
func (p *parser) scalar(n *yaml.Node, line int, key, subject string) (string, bool) {
	n = p.node(n)
	switch {
	case n.Kind != yaml.ScalarNode:
		p.errorf(line, subject, "%sexpected a scalar, got a %s", prefix(key), kindName(n))
	case isNull(n) || strings.TrimSpace(n.Value) == "":
		p.errorf(line, subject, "%s must not be empty", key)
	default:
		return n.Value, true
	}
	return "", false
}

func (p *parser) str(f *field[string], k, v *yaml.Node, subject string) {
	f.line = k.Line
	f.v, f.ok = p.scalar(v, k.Line, k.Value, subject)
}

func (p *parser) duration(f *field[time.Duration], k, v *yaml.Node, subject string) {
	f.line = k.Line
	s, ok := p.scalar(v, k.Line, k.Value, subject)
	if !ok {
		return
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		p.errorf(k.Line, subject, "%s: invalid duration %q, want e.g. \"15s\"", k.Value, s)
		return
	}
	f.v, f.ok = d, true
}

func (p *parser) integer(f *field[int], k, v *yaml.Node, subject string) {
	f.line = k.Line
	s, ok := p.scalar(v, k.Line, k.Value, subject)
	if !ok {
		return
	}
	i, err := strconv.Atoi(s)
	if err != nil {
		p.errorf(k.Line, subject, "%s: expected an integer", k.Value)
		return
	}
	f.v, f.ok = i, true
}

// list reads a sequence of non-blank scalars.
func (p *parser) list(f *field[[]item[string]], k, v *yaml.Node, subject string) {
	f.line = k.Line
	f.ok = p.sequence(v, k.Value, subject, func(i int, e *yaml.Node) {
		if s, ok := p.element(e, k.Value, i, subject); ok {
			f.v = append(f.v, item[string]{v: s, line: e.Line})
		}
	})
}

// numbers reads a sequence of floats; YAML's .inf and Prometheus' "+Inf"
// both parse so that validation can say why they do not belong.
func (p *parser) numbers(f *field[[]item[float64]], k, v *yaml.Node, subject string) {
	f.line = k.Line
	f.ok = p.sequence(v, k.Value, subject, func(i int, e *yaml.Node) {
		s, ok := p.element(e, k.Value, i, subject)
		if !ok {
			return
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil && resolve(e).Decode(&x) != nil {
			p.errorf(e.Line, subject, "%s[%d]: expected a number", k.Value, i)
			return
		}
		f.v = append(f.v, item[float64]{v: x, line: e.Line})
	})
}

// element is scalar for the i-th element of the list under key; it names
// the element only when there is something to report, which keeps large
// lists cheap.
func (p *parser) element(e *yaml.Node, key string, i int, subject string) (string, bool) {
	if n := p.node(e); n.Kind == yaml.ScalarNode && !isNull(n) && strings.TrimSpace(n.Value) != "" {
		return n.Value, true
	}
	return p.scalar(e, e.Line, fmt.Sprintf("%s[%d]", key, i), subject)
}

func (p *parser) config(root *yaml.Node) *rawConfig {
	c := &rawConfig{line: root.Line}
	ok := p.mapping(root, "", "", func(key string, k, v *yaml.Node) bool {
		switch key {
		case "global":
			p.mapping(v, "", "global", func(key string, k, v *yaml.Node) bool {
				return p.schedule(&c.global, key, k, v, "global")
			})
		case "targets":
			p.mapping(v, key, "", func(name string, k, v *yaml.Node) bool {
				c.targets = append(c.targets, p.target(name, k, v))
				return true
			})
		case "collectors":
			c.collectors.line = k.Line
			c.collectors.ok = p.sequence(v, key, "", func(i int, v *yaml.Node) {
				c.collectors.v = append(c.collectors.v, p.collector(i, v))
			})
		default:
			return false
		}
		return true
	})
	if !ok {
		return nil
	}
	return c
}

// schedule decodes key into s if it is one of the shared schedule keys.
func (p *parser) schedule(s *schedule, key string, k, v *yaml.Node, subject string) bool {
	switch key {
	case "interval":
		p.duration(&s.interval, k, v, subject)
	case "timeout":
		p.duration(&s.timeout, k, v, subject)
	case "staleness":
		p.duration(&s.staleness, k, v, subject)
	case "max_series":
		p.integer(&s.maxSeries, k, v, subject)
	default:
		return false
	}
	return true
}

func (p *parser) target(name string, k, v *yaml.Node) *rawTarget {
	t := &rawTarget{name: name, line: k.Line}
	subject := fmt.Sprintf("target %q", name)
	p.mapping(v, "", subject, func(key string, k, v *yaml.Node) bool {
		switch key {
		case "dsn":
			p.str(&t.dsn, k, v, subject)
		case "dsn_file":
			p.str(&t.dsnFile, k, v, subject)
		case "max_open_conns":
			p.integer(&t.maxOpenConns, k, v, subject)
		default:
			return false
		}
		return true
	})
	return t
}

// nameOf returns the name a mapping declares, so that messages about its
// other keys can name it; the name key itself is decoded in turn.
func nameOf(n *yaml.Node) string {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, v := resolve(n.Content[i]), resolve(n.Content[i+1]); k.Value == "name" && v.Kind == yaml.ScalarNode && !isNull(v) && strings.TrimSpace(v.Value) != "" {
			return v.Value
		}
	}
	return ""
}

// subject names an element by its name or, lacking one, its 1-based index.
func subject(kind string, name string, i int) string {
	if name == "" {
		return fmt.Sprintf("%s #%d", kind, i+1)
	}
	return fmt.Sprintf("%s %q", kind, name)
}

func (p *parser) collector(i int, n *yaml.Node) *rawCollector {
	c := &rawCollector{subject: subject("collector", nameOf(n), i), line: resolve(n).Line}
	p.mapping(n, "", c.subject, func(key string, k, v *yaml.Node) bool {
		switch key {
		case "name":
			p.str(&c.name, k, v, c.subject)
		case "target":
			p.str(&c.target, k, v, c.subject)
		case "sql":
			p.str(&c.sql, k, v, c.subject)
		case "duplicates":
			p.str(&c.duplicates, k, v, c.subject)
		case "metrics":
			c.metrics.line = k.Line
			c.metrics.ok = p.sequence(v, key, c.subject, func(i int, v *yaml.Node) {
				c.metrics.v = append(c.metrics.v, p.metric(c.subject, i, v))
			})
		case "since_midnight":
			c.sinceMidnight.line = k.Line
			p.mapping(v, key, c.subject, func(key string, k, v *yaml.Node) bool {
				switch key {
				case "settle":
					p.duration(&c.sinceMidnight.settle, k, v, c.subject)
				case "margin":
					p.duration(&c.sinceMidnight.margin, k, v, c.subject)
				default:
					return false
				}
				return true
			})
		default:
			return p.schedule(&c.schedule, key, k, v, c.subject)
		}
		return true
	})
	return c
}

func (p *parser) metric(collector string, i int, n *yaml.Node) *rawMetric {
	m := &rawMetric{subject: collector + " " + subject("metric", nameOf(n), i), line: resolve(n).Line}
	s := m.subject
	before := p.count
	defer func() { m.malformed = p.count > before }()
	p.mapping(n, "", s, func(key string, k, v *yaml.Node) bool {
		switch key {
		case "name":
			p.str(&m.name, k, v, s)
		case "type":
			p.str(&m.typ, k, v, s)
		case "help":
			p.str(&m.help, k, v, s)
		case "labels":
			p.list(&m.labels, k, v, s)
		case "const_labels":
			m.constLabels.line = k.Line
			m.constLabels.ok = p.mapping(v, key, s, func(name string, k, v *yaml.Node) bool {
				if value, ok := p.scalar(v, k.Line, fmt.Sprintf("const_labels[%q]", name), s); ok {
					m.constLabels.v = append(m.constLabels.v, constLabel{name: name, value: value, line: k.Line})
				}
				return true
			})
		case "value":
			p.str(&m.value, k, v, s)
		case "values":
			p.list(&m.values, k, v, s)
		case "value_label":
			p.str(&m.valueLabel, k, v, s)
		case "bucket_column":
			p.str(&m.bucketColumn, k, v, s)
		case "buckets":
			p.numbers(&m.buckets, k, v, s)
		case "sum":
			p.str(&m.sum, k, v, s)
		default:
			return false
		}
		return true
	})
	return m
}
