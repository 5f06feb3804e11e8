package config

import (
	"cmp"
	"container/heap"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem found in the file. Subject names what it is about,
// e.g. `collector "activations"` or `target "kos"`; it may be empty.
type Error struct {
	Pos     Pos
	Subject string
	Msg     string
	seq     int // discovery order, kept within a line
	more    int // > 0: the last entry, standing for this many problems not listed
}

func (e *Error) Error() string {
	switch {
	case e.more > 0:
		return e.Msg
	case e.Subject == "":
		return fmt.Sprintf("%s: %s", e.Pos, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.Pos, e.Subject, e.Msg)
}

// MaxErrors is how many problems Errors lists: a small file whose aliases
// expand can hold a million, which would flood logs and the reload reply.
const MaxErrors = 100

// Errors is the problems found in one file, ordered by line: at most
// MaxErrors, the earliest lines, then "... and N more problems" when there
// were more.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Total is the number of problems found, listed or not.
func (es Errors) Total() int {
	if n := len(es); n > 0 && es[n-1].more > 0 {
		return n - 1 + es[n-1].more
	}
	return len(es)
}

// sort orders es by position, keeping discovery order within a line, with
// the count of problems not listed last.
func (es Errors) sort() {
	slices.SortStableFunc(es, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.more, b.more), cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.seq, b.seq))
	})
	if n := len(es); n > 0 && es[n-1].more > 0 {
		es[n-1].Msg = fmt.Sprintf("... and %d more problems", es[n-1].more)
	}
}

func (p *parser) errorf(line int, subject, format string, args ...any) {
	p.record(line, subject, false, format, args...)
}

// record keeps the problem if it is among the MaxErrors earliest so far, or
// if it must be kept: then it comes first within its line.
func (p *parser) record(line int, subject string, keep bool, format string, args ...any) {
	p.count++
	seq := p.count
	if keep {
		seq = 0
	}
	if len(p.errs) < MaxErrors {
		p.errs = append(p.errs, &Error{Pos: p.pos(line), Subject: subject, Msg: fmt.Sprintf(format, args...), seq: seq})
		if len(p.errs) == MaxErrors {
			heap.Init(latestFirst(p.errs))
		}
		return
	}
	if len(p.errs) == MaxErrors {
		p.errs = append(p.errs, &Error{Pos: Pos{File: p.file}})
	}
	p.errs[MaxErrors].more++
	// Dropped without formatting unless it comes before a kept one: the
	// common case, a flood from aliases, costs a comparison each.
	if top := p.errs[0]; !keep && line >= top.Pos.Line {
		return
	}
	p.errs[0] = &Error{Pos: p.pos(line), Subject: subject, Msg: fmt.Sprintf(format, args...), seq: seq}
	heap.Fix(latestFirst(p.errs[:MaxErrors]), 0)
}

// latestFirst is a heap of problems whose top is the latest by line and,
// within a line, by discovery.
type latestFirst Errors

func (h latestFirst) Len() int { return len(h) }
func (h latestFirst) Less(i, j int) bool {
	a, b := h[i], h[j]
	return a.Pos.Line > b.Pos.Line || a.Pos.Line == b.Pos.Line && a.seq > b.seq
}
func (h latestFirst) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h latestFirst) Push(any)      { panic("fixed size") }
func (h latestFirst) Pop() any      { panic("fixed size") }

func (p *parser) pos(line int) Pos { return Pos{File: p.file, Line: line} }

// err returns the collected problems ordered by line, or nil.
func (p *parser) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	p.errs.sort()
	return p.errs
}
