package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/dolthub/vitess/go/vt/sqlparser"
)

// checkSQL refuses a collector's SQL unless it is exactly one read-only
// query: SELECT, a set operation (UNION, INTERSECT, EXCEPT), WITH … SELECT
// (RECURSIVE too), VALUES, TABLE, or one of the SHOW forms in allowedShow.
// The exporter also runs every query in a read-only transaction under a
// per-statement time limit, but MySQL lets DDL commit its way out of a
// read-only transaction, and locks, files and session state are not writes,
// so the check decides on what the server would execute, in three passes:
//
//  1. lexSQL, a lexer with the servers' rules, refuses everything on which
//     the server and the parser below could disagree about what runs:
//     executable comments and optimizer hints, "--" without a space, "//",
//     nested or unterminated comments and quotes, backslashes (their meaning
//     depends on sql_mode), ";", NUL.
//  2. Its tokens are scanned for what must not appear anywhere: INTO, locking
//     clauses, sequence syntax, ":=" and functions with side effects, so that
//     the message quotes the construct even when the parser below does not
//     know it (MariaDB syntax).
//  3. The vitess MySQL parser must parse the text as one statement of an
//     accepted kind, and every node of its tree (found by reflection, so no
//     clause is skipped) is checked again for INTO, locks, sequences,
//     assignments and denied functions. What it cannot parse is refused.
//
// What the check cannot judge: stored functions (qualified or unknown names)
// and loadable functions (UDFs such as lib_mysqludf_sys's SYS_EXEC) are
// allowed unless their name is in sideEffect; writes inside a stored
// function are refused by the read-only transaction and a lifted time limit
// is re-asserted per statement at run time, but a UDF is native code that
// only the database account (no CREATE FUNCTION, no FILE, no INSERT on
// mysql.*) can keep out. SLEEP and BENCHMARK are allowed: they only take
// time, which the per-statement limit bounds.
func checkSQL(sql string) error {
	_, err := guard(sql, false)
	return err
}

// checkRangeSQL is checkSQL for a since_midnight collector, whose query
// takes its time ranges as placeholders: in pairs, each the start and the
// end of one range ("t >= ? AND t < ?"). It returns the placeholders'
// offsets in sql, for the exporter to bind. Everything checkSQL refuses
// stays refused.
func checkRangeSQL(sql string) ([]int, error) {
	return guard(sql, true)
}

// guard is checkSQL, with placeholders allowed as time ranges when ranges
// is set; it returns their offsets.
func guard(sql string, ranges bool) ([]int, error) {
	toks, err := lex(sql, ranges)
	if err != nil {
		return nil, err
	}
	if err := scanTokens(toks); err != nil {
		return nil, err
	}
	stmt, err := parse(unparenthesize(sql, toks))
	if err != nil {
		return nil, fmt.Errorf("sql: cannot be parsed as one MySQL query, so it cannot be checked: %w", err)
	}
	w := treeWalker{seen: map[visited]bool{}}
	if err := w.check(stmt); err != nil {
		return nil, err
	}
	if !ranges {
		return nil, nil
	}
	var marks []int
	for _, t := range toks {
		if isPunct(t, "?") {
			marks = append(marks, t.pos)
		}
	}
	return marks, checkRanges(len(marks), w.bounds)
}

// checkRanges requires n placeholders in pairs, the first of each pair the
// inclusive start of a range and the second its exclusive end, each used
// once; bounds maps the parser's name of a placeholder (":v1" for the
// first) to how it is compared.
func checkRanges(n int, bounds map[string][]string) error {
	if n == 0 || n%2 != 0 {
		return fmt.Errorf(`sql: a since_midnight query takes its time ranges as pairs of placeholders ("t >= ? AND t < ?"), found %d placeholder(s)`, n)
	}
	for i := 1; i <= n; i++ {
		want := "the start of a time range: column >= ?"
		if i%2 == 0 {
			want = "the end of a time range: column < ?"
		}
		uses := bounds[fmt.Sprintf(":v%d", i)]
		if len(uses) != 1 || uses[0] != []string{"end", "start"}[i%2] {
			return fmt.Errorf("sql: placeholder %d of %d must be %s (compared once, as that)", i, n, want)
		}
	}
	return nil
}

// parse runs the vitess parser, which panics on some input (an empty
// string right after SELECT): a config file must not crash the exporter.
func parse(sql string) (stmt sqlparser.Statement, err error) {
	defer func() {
		if r := recover(); r != nil {
			stmt, err = nil, fmt.Errorf("the parser failed (%v)", r)
		}
	}()
	stmt, err = sqlparser.Parse(sql)
	if err != nil {
		return nil, errors.New(parseErrorText(err))
	}
	return stmt, nil
}

// unparenthesize drops parentheses around the whole query, which the parser
// does not accept around a single SELECT: "(SELECT 1)" is "SELECT 1", while
// "(SELECT 1) UNION (SELECT 2)" stays. One pass, however deep the nesting.
func unparenthesize(sql string, toks []token) string {
	match := make(map[int]int) // index of "(" → index of its ")"
	var open []int
	for i, t := range toks {
		switch {
		case isPunct(t, "("):
			open = append(open, i)
		case isPunct(t, ")") && len(open) > 0:
			match[open[len(open)-1]] = i
			open = open[:len(open)-1]
		}
	}
	start, end := 0, len(sql)
	for i, j := 0, len(toks)-1; i < j && isPunct(toks[i], "(") && match[i] == j; i, j = i+1, j-1 {
		start, end = toks[i].end, toks[j].pos
	}
	return sql[start:end]
}

func isPunct(t token, s string) bool { return t.kind == tokPunct && t.text == s }

// Token kinds of lexSQL.
const (
	tokWord    = iota // bare word: keyword, identifier or number
	tokIdent          // `quoted identifier`
	tokString         // 'string'
	tokDQuoted        // "string", or an identifier under ANSI_QUOTES
	tokPunct          // one byte, or ":="
)

type token struct {
	kind     int
	text     string // unquoted for quoted kinds
	pos, end int    // in the SQL text
}

// lexSQL splits sql into tokens, dropping comments, and refuses what the
// server and the parser could read differently.
func lexSQL(sql string) ([]token, error) { return lex(sql, false) }

// lex is lexSQL, with "?" a token when placeholders is set.
func lex(sql string, placeholders bool) ([]token, error) {
	// On the raw text, strings included: cheap and cannot be fooled by a
	// lexer mistake.
	for _, c := range []struct{ open, why string }{
		{"/*!", `executable comment "/*!" is not allowed (the server runs its contents)`},
		{"/*M!", `executable comment "/*M!" is not allowed (MariaDB runs its contents)`},
		{"/*m!", `comment "/*m!" is not allowed (it looks like MariaDB's executable comment "/*M!")`},
		{"/*+", `optimizer hint "/*+" is not allowed (the server acts on it: MAX_EXECUTION_TIME, SET_VAR, ...)`},
	} {
		if strings.Contains(sql, c.open) {
			return nil, errors.New("sql: " + c.why)
		}
	}
	if strings.IndexByte(sql, 0) >= 0 {
		return nil, errors.New("sql: NUL byte is not allowed")
	}
	var toks []token
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#':
			i = lineEnd(sql, i)
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			// MySQL and MariaDB start a comment only at "-- " (or a line
			// end); "--1" is minus minus one, which the parser would drop.
			if i+2 < len(sql) && !strings.ContainsRune(" \t\n\r", rune(sql[i+2])) {
				return nil, fmt.Errorf(`sql: "--" must be followed by a space to start a comment (the server reads %q as two minus signs)`, clip(sql[i:], 4))
			}
			i = lineEnd(sql, i)
		case c == '/' && strings.HasPrefix(sql[i:], "//"):
			return nil, errors.New(`sql: "//" is not allowed (not a comment on MySQL or MariaDB, but the parser reads it as one)`)
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				return nil, errors.New("sql: unterminated comment")
			}
			// Up to the closing "*", so that "/*/*/" counts too.
			if strings.Contains(sql[i+2:i+2+end+1], "/*") {
				return nil, errors.New(`sql: "/*" inside a comment is not allowed (servers differ on nested comments)`)
			}
			i += 2 + end + 2
		case c == '\'' || c == '"' || c == '`':
			text, n, err := scanQuoted(sql[i:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: quoteKind(c), text: text, pos: i, end: i + n})
			i += n
		case c == '\\':
			return nil, errors.New(`sql: backslash outside quotes is not allowed`)
		case c == ';':
			return nil, errors.New(`sql: ";" is not allowed: give exactly one statement, without a terminating semicolon`)
		case c == '?' && placeholders:
			toks = append(toks, token{kind: tokPunct, text: "?", pos: i, end: i + 1})
			i++
		case c == '?':
			return nil, errors.New(`sql: placeholder "?" is not allowed (only a since_midnight collector's time ranges take placeholders)`)
		case c == ':':
			if strings.HasPrefix(sql[i:], ":=") {
				toks = append(toks, token{kind: tokPunct, text: ":=", pos: i, end: i + 2})
				i += 2
				continue
			}
			return nil, errors.New(`sql: ":" outside quotes is not allowed (the exporter passes no parameters)`)
		case isWordByte(c):
			j := i + 1
			for j < len(sql) && isWordByte(sql[j]) {
				j++
			}
			if w := sql[i:j]; !plainWord(w) {
				return nil, fmt.Errorf("sql: %q is not allowed: a number runs into a word (the server reads \"1e1FOR\" as 1e1 and FOR, the parser as one name); put a space after the number or quote the name in backticks", clip(w, 40))
			}
			toks = append(toks, token{kind: tokWord, text: sql[i:j], pos: i, end: j})
			i = j
		default:
			toks = append(toks, token{kind: tokPunct, text: sql[i : i+1], pos: i, end: i + 1})
			i++
		}
	}
	return toks, nil
}

// lineEnd is the index after the newline ending the comment at i.
func lineEnd(sql string, i int) int {
	if n := strings.IndexByte(sql[i:], '\n'); n >= 0 {
		return i + n + 1
	}
	return len(sql)
}

func quoteKind(q byte) int {
	switch q {
	case '\'':
		return tokString
	case '"':
		return tokDQuoted
	}
	return tokIdent
}

// digitLed matches the words that start with a digit which the server and
// the parser read alike: numbers (an exponent's "1e" before its sign
// included), hexadecimal and binary literals, and names of digits and
// underscores only. Others, such as "1e1FOR" (a number and a keyword to
// the server, one name to the parser) or "5FOR" after "1.", are refused.
var digitLed = regexp.MustCompile(`^([0-9]+([eE][0-9]*)?|0x[0-9a-fA-F]+|0b[01]+|[0-9_]+)$`)

// plainWord says whether the server and the parser read word alike.
func plainWord(w string) bool {
	return w[0] < '0' || w[0] > '9' || digitLed.MatchString(w)
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c >= 0x80
}

// scanQuoted reads the quoted string or identifier at the start of s, where
// a doubled quote stands for itself, and returns its text and length.
func scanQuoted(s string) (string, int, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case q:
			if i+1 < len(s) && s[i+1] == q {
				b.WriteByte(q)
				i++
				continue
			}
			return b.String(), i + 1, nil
		case '\\':
			// A backslash escapes the quote unless sql_mode has
			// NO_BACKSLASH_ESCAPES, so the server and the parser could
			// end the string at different places.
			return "", 0, errors.New(`sql: backslash in a quoted string or identifier is not allowed (its meaning depends on sql_mode NO_BACKSLASH_ESCAPES); for a LIKE pattern use another escape character: LIKE 'a!_%' ESCAPE '!'`)
		default:
			b.WriteByte(s[i])
		}
	}
	if q == '`' {
		return "", 0, errors.New("sql: unterminated quoted identifier")
	}
	return "", 0, errors.New("sql: unterminated string")
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// scanTokens refuses the statement kinds and constructs that must not appear
// anywhere in the text, whatever the parser makes of it.
func scanTokens(toks []token) error {
	word := func(i int) string {
		if i < len(toks) && toks[i].kind == tokWord {
			return strings.ToUpper(toks[i].text)
		}
		return ""
	}
	if len(toks) == 0 {
		return errors.New("sql: no statement, only comments")
	}
	switch first := word(0); {
	case isPunct(toks[0], "("):
	case first == "SELECT", first == "WITH", first == "VALUES", first == "TABLE", first == "SHOW":
	case first == "SET" && word(1) == "STATEMENT":
		return errors.New("sql: SET STATEMENT is not allowed (it changes session limits such as max_statement_time)")
	default:
		return fmt.Errorf("sql: must be a read-only query (SELECT, WITH … SELECT, UNION, VALUES, TABLE or SHOW), not %q", clip(toks[0].text, 40))
	}
	for i, t := range toks {
		switch w := word(i); {
		case w == "INTO":
			if next := word(i + 1); next == "OUTFILE" || next == "DUMPFILE" {
				return fmt.Errorf("sql: INTO %s is not allowed (it writes a file on the database server)", next)
			}
			return errors.New("sql: INTO is not allowed (SELECT … INTO writes variables or files)")
		case w == "FOR" && (word(i+1) == "UPDATE" || word(i+1) == "SHARE"):
			return fmt.Errorf("sql: locking clause %q is not allowed: a war-room query must never block the system it watches", "FOR "+word(i+1))
		case w == "LOCK" && word(i+1) == "IN":
			return fmt.Errorf("sql: locking clause %q is not allowed: a war-room query must never block the system it watches", "LOCK IN SHARE MODE")
		case (w == "NEXT" || w == "PREVIOUS") && word(i+1) == "VALUE" && word(i+2) == "FOR":
			return fmt.Errorf("sql: %q is not allowed (it uses a sequence)", w+" VALUE FOR")
		case isPunct(t, ":="):
			return errors.New(`sql: assignment ":=" is not allowed (it writes a user variable)`)
		case t.kind != tokPunct && t.kind != tokString && i+1 < len(toks) && isPunct(toks[i+1], "("):
			// Any spacing or comment may separate a name from its
			// arguments; quoted names are names too.
			if why, bad := sideEffect(t.text); bad {
				return fmt.Errorf("sql: function %s %s", strings.ToUpper(t.text), why)
			}
		}
	}
	return nil
}

// sideEffect says whether calling the function name (any case, without
// schema) does more than compute a value, and what it does. IS_FREE_LOCK and
// IS_USED_LOCK only read, SLEEP and BENCHMARK only take time: allowed.
func sideEffect(name string) (string, bool) {
	n := strings.ToLower(name)
	switch n {
	case "get_lock":
		return "has side effects (takes a named lock that stays with the pooled connection)", true
	case "release_lock", "release_all_locks":
		return "has side effects (releases named locks)", true
	case "load_file":
		return "has side effects (reads a file on the database server)", true
	case "nextval", "setval", "lastval":
		return "has side effects (uses a sequence)", true
	case "last_insert_id":
		return "has side effects (with an argument it sets the session's LAST_INSERT_ID)", true
	case "master_pos_wait", "source_pos_wait", "master_gtid_wait", "wait_for_executed_gtid_set",
		"wait_until_sql_thread_after_gtids", "sql_thread_wait_after_gtids", "wsrep_sync_wait_upto_gtid":
		return "has side effects (waits on replication)", true
	case "service_get_read_locks", "service_get_write_locks", "service_release_locks",
		"version_tokens_lock_shared", "version_tokens_lock_exclusive", "version_tokens_unlock":
		return "has side effects (takes or releases locking-service locks)", true
	case "sys_exec", "sys_eval", "sys_set", "sys_get":
		return "has side effects (a known loadable function that runs commands or changes the environment)", true
	case "load_rewrite_rules", "set_firewall_mode", "audit_api_message_emit_udf":
		return "has side effects (administers a server plugin)", true
	}
	for _, prefix := range []string{"version_tokens_", "keyring_key_", "keyring_", "group_replication_",
		"asynchronous_connection_failover_", "audit_log_", "mysql_firewall_"} {
		if strings.HasPrefix(n, prefix) {
			return "has side effects (administers a server component)", true
		}
	}
	return "", false
}

// allowedShow lists the SHOW forms accepted, as the parser names them.
// Others (PROCESSLIST shows other sessions' SQL, GRANTS, CREATE …) are not
// metrics and are refused.
func allowedShow(typ string) bool {
	switch strings.ToUpper(typ) {
	case "STATUS", "VARIABLES", "TABLE STATUS", "REPLICA STATUS", "SLAVE STATUS", "BINARY LOG STATUS":
		return true
	}
	return false
}

const showLimits = "SHOW is limited to STATUS, VARIABLES, TABLE STATUS, REPLICA (SLAVE) STATUS and BINARY LOG (MASTER) STATUS"

// parseErrorText is the parser's message without its gRPC code prefix.
func parseErrorText(err error) string {
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, "\n"); ok {
		msg = rest
	}
	return strings.TrimSpace(msg)
}

// checkTree accepts the parsed statement if it is of an accepted kind and no
// node anywhere in it is refused.
func checkTree(stmt sqlparser.Statement) error {
	w := treeWalker{seen: map[visited]bool{}}
	return w.check(stmt)
}

// checkKind accepts the kinds of statement a collector may run.
func checkKind(stmt sqlparser.Statement) error {
	switch s := stmt.(type) {
	case *sqlparser.Select, *sqlparser.SetOp, *sqlparser.ParenSelect:
	case *sqlparser.Show:
		if !allowedShow(s.Type) {
			return fmt.Errorf("sql: SHOW %s is not allowed: %s", strings.ToUpper(s.Type), showLimits)
		}
	default:
		kind := strings.TrimPrefix(fmt.Sprintf("%T", stmt), "*sqlparser.")
		if strings.HasPrefix(kind, "Show") {
			return fmt.Errorf("sql: %s is not allowed: %s", strings.ToUpper(sqlparser.String(stmt)), showLimits)
		}
		return fmt.Errorf("sql: must be a read-only query (SELECT, WITH … SELECT, UNION, VALUES, TABLE or SHOW), the parser read it as %s", kind)
	}
	return nil
}

// treeWalker visits every value reachable from a parse tree. Reflection
// rather than sqlparser.Walk, which skips some clauses (WINDOW, for one).
type treeWalker struct {
	seen map[visited]bool
	// bounds records how each placeholder is compared: "start" for
	// "x >= ?" (or "? <= x"), "end" for "x < ?" (or "? > x"), "other"
	// for any other use.
	bounds map[string][]string
}

// check accepts stmt if it is of an accepted kind and no node anywhere in
// it is refused.
func (w *treeWalker) check(stmt sqlparser.Statement) error {
	if err := checkKind(stmt); err != nil {
		return err
	}
	w.bounds = map[string][]string{}
	return w.walk(reflect.ValueOf(stmt))
}

// visited is keyed by type too: a struct and its first field share an address.
type visited struct {
	addr uintptr
	typ  reflect.Type
}

func (w *treeWalker) walk(v reflect.Value) error {
	switch v.Kind() {
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil
		}
		if err := checkNode(v); err != nil {
			return err
		}
		for i := range v.Len() {
			if err := w.walk(v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Pointer:
		key := visited{v.Pointer(), v.Type()}
		if v.IsNil() || w.seen[key] {
			return nil
		}
		w.seen[key] = true
		if err := checkNode(v); err != nil {
			return err
		}
		w.placeholder(v)
		return w.walk(v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return w.walk(v.Elem())
	case reflect.Struct:
		if err := checkNode(v); err != nil {
			return err
		}
		for i := range v.NumField() {
			if err := w.walk(v.Field(i)); err != nil {
				return err
			}
		}
	case reflect.Array:
		for i := range v.Len() {
			if err := w.walk(v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if err := w.walk(it.Value()); err != nil {
				return err
			}
		}
	}
	return nil
}

// placeholder records the role of a placeholder found at v: a bound of a
// comparison, or something else.
func (w *treeWalker) placeholder(v reflect.Value) {
	if !v.CanInterface() {
		return
	}
	switch n := v.Interface().(type) {
	case *sqlparser.ComparisonExpr:
		// The comparison records its operands; the walk below them must
		// not record them again as "other".
		for _, side := range []struct {
			e    sqlparser.Expr
			role map[string]string
		}{
			{n.Right, map[string]string{sqlparser.GreaterEqualStr: "start", sqlparser.LessThanStr: "end"}},
			{n.Left, map[string]string{sqlparser.LessEqualStr: "start", sqlparser.GreaterThanStr: "end"}},
		} {
			if a, ok := side.e.(*sqlparser.SQLVal); ok && a.Type == sqlparser.ValArg {
				role := side.role[n.Operator]
				if role == "" {
					role = "other"
				}
				w.bounds[string(a.Val)] = append(w.bounds[string(a.Val)], role)
				w.seen[visited{reflect.ValueOf(a).Pointer(), reflect.TypeOf(a)}] = true
			}
		}
	case *sqlparser.SQLVal:
		if n.Type == sqlparser.ValArg {
			w.bounds[string(n.Val)] = append(w.bounds[string(n.Val)], "other")
		}
	}
}

// checkNode refuses one node of the tree.
func checkNode(v reflect.Value) error {
	if !v.CanInterface() {
		return nil
	}
	switch n := v.Interface().(type) {
	case *sqlparser.Select:
		return lockAndInto(n.Lock, n.Into)
	case *sqlparser.SetOp:
		return lockAndInto(n.Lock, n.Into)
	case *sqlparser.Into:
		return intoError(n)
	case *sqlparser.FuncExpr:
		if why, bad := sideEffect(n.Name.String()); bad {
			return fmt.Errorf("sql: function %s %s", strings.ToUpper(n.Name.String()), why)
		}
	case *sqlparser.TableFuncExpr:
		if why, bad := sideEffect(n.Name); bad {
			return fmt.Errorf("sql: function %s %s", strings.ToUpper(n.Name), why)
		}
	case sqlparser.Nextval, *sqlparser.Nextval:
		return errors.New(`sql: "NEXT VALUE FOR" is not allowed (it uses a sequence)`)
	case *sqlparser.AssignmentExpr, *sqlparser.SetVarExpr:
		return errors.New("sql: assignment is not allowed (it writes a variable)")
	case sqlparser.Comments:
		for _, c := range n {
			if s := string(c); strings.HasPrefix(s, "/*!") || strings.HasPrefix(s, "/*+") {
				return fmt.Errorf("sql: comment %q is not allowed", clip(s, 4))
			}
		}
	}
	return nil
}

func lockAndInto(lock string, into *sqlparser.Into) error {
	if lock != "" {
		return fmt.Errorf("sql: locking clause %q is not allowed: a war-room query must never block the system it watches", strings.ToUpper(strings.TrimSpace(lock)))
	}
	if into != nil {
		return intoError(into)
	}
	return nil
}

func intoError(into *sqlparser.Into) error {
	switch {
	case into.Outfile != "":
		return errors.New("sql: INTO OUTFILE is not allowed (it writes a file on the database server)")
	case into.Dumpfile != "":
		return errors.New("sql: INTO DUMPFILE is not allowed (it writes a file on the database server)")
	}
	return errors.New("sql: INTO is not allowed (SELECT … INTO writes variables or files)")
}
