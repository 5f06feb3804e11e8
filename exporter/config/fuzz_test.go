package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dolthub/vitess/go/vt/sqlparser"
)

func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.yml")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz.yml")
		if (cfg == nil) == (err == nil) {
			t.Fatalf("Parse returned config %v and error %v; want exactly one", cfg != nil, err)
		}
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error is %T %v, want non-empty Errors", err, err)
			}
			for i, e := range errs {
				if e.more > 0 {
					if i != len(errs)-1 || i != MaxErrors || errs.Total() <= MaxErrors {
						t.Errorf("summary %q at %d of %d, total %d", e, i, len(errs), errs.Total())
					}
					continue
				}
				if e.Pos.File != "fuzz.yml" || e.Pos.Line < 1 {
					t.Errorf("error %q has position %v", e, e.Pos)
				}
				if i > 0 && e.Pos.Line < errs[i-1].Pos.Line {
					t.Errorf("errors not ordered by line:\n%v", err)
				}
			}
			return
		}
		for _, c := range cfg.Collectors {
			if cfg.Target(c.Target) == nil {
				t.Errorf("collector %q refers to unknown target %q", c.Name, c.Target)
			}
			if c.Timeout > c.Interval || c.Staleness < c.Interval || c.MaxSeries < 1 || len(c.Metrics) == 0 {
				t.Errorf("collector %q has an invalid schedule or no metrics: %+v", c.Name, c)
			}
		}
	})
}

// FuzzSQLGuard holds checkSQL against the parser: whatever it accepts is
// read by the vitess tokenizer and parser, independently of the guard's own
// lexer and tree walk, as one read-only query with no executable comment,
// lock, INTO, assignment, sequence or side-effect function.
func FuzzSQLGuard(f *testing.F) {
	for _, tt := range hostileSQL() {
		f.Add(tt.sql)
	}
	for _, sql := range legitimateSQL() {
		f.Add(sql)
	}
	f.Add("SELECT COUNT(*) AS n FROM t WHERE t >= ? AND t < ?")
	f.Fuzz(func(t *testing.T, sql string) {
		if checkSQL(sql) == nil {
			if problem := notReadOnly(sql); problem != "" {
				t.Fatalf("checkSQL accepted %q: %s", sql, problem)
			}
		}
		// A since_midnight collector's check: the statement the exporter
		// sends, its placeholders bound, is one read-only query too.
		if marks, err := checkRangeSQL(sql); err == nil {
			c := &Collector{SQL: sql, SinceMidnight: &SinceMidnight{Placeholders: marks}}
			bound := c.Bind("'2026-11-30 00:00:00.000000'", "'2026-12-01 00:00:00.000000'")
			if problem := notReadOnly(bound); problem != "" {
				t.Fatalf("checkRangeSQL accepted %q, bound %q: %s", sql, bound, problem)
			}
		}
	})
}

// notReadOnly says what in sql is not one plain read-only query, or "".
func notReadOnly(sql string) string {
	for _, s := range []string{"/*!", "/*M!", "/*m!", "/*+", "\x00"} {
		if strings.Contains(sql, s) {
			return fmt.Sprintf("contains %q", s)
		}
	}
	type tok struct {
		typ int
		val string
	}
	var toks []tok
	commentBackslashes := 0
	tkn := sqlparser.NewStringTokenizer(sql)
	for {
		typ, val := tkn.Scan()
		if typ == 0 {
			break
		}
		v := string(val)
		switch typ {
		case sqlparser.LEX_ERROR:
			return fmt.Sprintf("tokenizer error near %q", v)
		case sqlparser.COMMENT:
			commentBackslashes += strings.Count(v, `\`)
			switch {
			case strings.HasPrefix(v, "//"):
				return "a // comment, which the server does not know"
			case strings.HasPrefix(v, "--") && len(v) > 2 && !strings.ContainsRune(" \t\n\r", rune(v[2])):
				return fmt.Sprintf("comment %q, which the server reads as minus signs", v)
			case strings.HasPrefix(v, "/*") && strings.Contains(v[2:], "/*"):
				return fmt.Sprintf("nested comment %q", v)
			}
			continue
		case ';', sqlparser.INTO, sqlparser.ASSIGNMENT_OP, sqlparser.VALUE_ARG, sqlparser.LIST_ARG:
			return fmt.Sprintf("token %q", v)
		}
		toks = append(toks, tok{typ, v})
	}
	if n := strings.Count(sql, `\`); n != commentBackslashes {
		return "a backslash outside comments"
	}
	for i, tk := range toks {
		var next, after tok
		if i+1 < len(toks) {
			next = toks[i+1]
		}
		if i+2 < len(toks) {
			after = toks[i+2]
		}
		switch {
		case tk.typ == sqlparser.FOR && (next.typ == sqlparser.UPDATE || next.typ == sqlparser.SHARE),
			tk.typ == sqlparser.LOCK && next.typ == sqlparser.IN,
			(tk.typ == sqlparser.NEXT || strings.EqualFold(tk.val, "previous")) && next.typ == sqlparser.VALUE && after.typ == sqlparser.FOR:
			return fmt.Sprintf("%q followed by %q", tk.val, next.val)
		case tk.typ != sqlparser.STRING && next.typ == '(':
			if _, bad := sideEffect(tk.val); bad {
				return fmt.Sprintf("call of %s", tk.val)
			}
		}
	}

	stmt, err := parseNoPanic(sql)
	if err != nil {
		// The parser refuses "(SELECT 1)" at the top; as the subquery of
		// an IN it is a query.
		outer, err := parseNoPanic("SELECT 1 FROM dual WHERE 1 IN (\n" + sql + "\n)")
		if err != nil {
			return fmt.Sprintf("does not parse: %v", err)
		}
		if stmt = subqueryOfIn(outer); stmt == nil {
			return "not a query: " + sqlparser.String(outer)
		}
	}
	switch s := stmt.(type) {
	case *sqlparser.Select, *sqlparser.SetOp, *sqlparser.ParenSelect:
	case *sqlparser.Show:
		if !slices.Contains([]string{"STATUS", "VARIABLES", "TABLE STATUS", "REPLICA STATUS", "SLAVE STATUS", "BINARY LOG STATUS"}, strings.ToUpper(s.Type)) {
			return "SHOW " + s.Type
		}
	default:
		return fmt.Sprintf("statement %T", stmt)
	}
	var problem string
	_ = sqlparser.Walk(func(node sqlparser.SQLNode) (bool, error) {
		switch n := node.(type) {
		case *sqlparser.Select:
			if n.Lock != "" || n.Into != nil {
				problem = "lock or INTO in " + sqlparser.String(n)
			}
		case *sqlparser.SetOp:
			if n.Lock != "" || n.Into != nil {
				problem = "lock or INTO in " + sqlparser.String(n)
			}
		case *sqlparser.FuncExpr:
			if _, bad := sideEffect(n.Name.String()); bad {
				problem = "call of " + n.Name.String()
			}
		case sqlparser.Nextval, *sqlparser.Nextval:
			problem = "NEXT VALUE"
		}
		return problem == "", nil
	}, stmt)
	return problem
}

// subqueryOfIn is the query q in "SELECT 1 FROM dual WHERE 1 IN (q)", under
// any parentheses, or nil if q is not one query.
func subqueryOfIn(stmt sqlparser.Statement) sqlparser.Statement {
	sel, ok := stmt.(*sqlparser.Select)
	if !ok || sel.Where == nil {
		return nil
	}
	cmp, ok := sel.Where.Expr.(*sqlparser.ComparisonExpr)
	if !ok {
		return nil
	}
	e := cmp.Right
	for {
		switch x := e.(type) {
		case sqlparser.ValTuple:
			if len(x) != 1 {
				return nil
			}
			e = x[0]
		case *sqlparser.ParenExpr:
			e = x.Expr
		case *sqlparser.Subquery:
			return x.Select
		default:
			return nil
		}
	}
}

func parseNoPanic(sql string) (stmt sqlparser.Statement, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("parser panic: %v", r)
		}
	}()
	return sqlparser.Parse(sql)
}
