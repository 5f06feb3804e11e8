package config

import (
	"os"
	"slices"
	"strings"
	"testing"
)

type hostileCase struct{ name, sql, want string }

// hostileSQL must each be refused with a message containing want.
func hostileSQL() []hostileCase {
	return []hostileCase{
		// Issue 10 point 1: executable comments.
		{"exec comment drop", "/*!SET STATEMENT tx_read_only=0 FOR DROP*/ TABLE kos.t", `executable comment "/*!"`},
		{"exec comment create", "/*!SET STATEMENT tx_read_only=0 FOR CREATE TABLE kos.pwned AS*/ SELECT 1 AS v", `executable comment "/*!"`},
		{"exec comment versioned", "SELECT 1 AS n /*!50000 FOR UPDATE */", `executable comment "/*!"`},
		{"exec comment mariadb", "SELECT 1 AS n /*M!100100 INTO OUTFILE '/tmp/x' */", `executable comment "/*M!"`},
		{"exec comment mariadb lower", "SELECT 1 AS n /*m! FOR UPDATE */", `comment "/*m!" is not allowed`},
		{"exec comment in string", "SELECT '/*!' AS n", `executable comment "/*!"`},
		// Point 2: lifting the time limit.
		{"set statement", "SET STATEMENT max_statement_time=0 FOR SELECT 1 AS n", "SET STATEMENT is not allowed"},
		{"set statement lower", "set statement max_statement_time=0 for select 1 as n", "SET STATEMENT is not allowed"},
		{"exec comment time limit", "/*!SET STATEMENT max_statement_time=0 FOR*/ SELECT 1 AS n", `executable comment "/*!"`},
		{"hint max execution time", "SELECT /*+ MAX_EXECUTION_TIME(0) */ 1 AS n", `optimizer hint "/*+"`},
		{"hint set var", "SELECT /*+ SET_VAR(max_execution_time=0) */ COUNT(*) AS n FROM t", `optimizer hint "/*+"`},
		{"set session", "SET SESSION max_statement_time=0", `not "SET"`},
		// Point 3: keywords split by comments, locks, files.
		{"for update", "SELECT a AS n FROM t FOR UPDATE", `locking clause "FOR UPDATE"`},
		{"for update split", "SELECT a AS n FROM t FOR/**/UPDATE", `locking clause "FOR UPDATE"`},
		{"for update newline", "SELECT a AS n FROM t FOR\n\tupdate", `locking clause "FOR UPDATE"`},
		{"for update line comment", "SELECT a AS n FROM t FOR -- x\nUPDATE", `locking clause "FOR UPDATE"`},
		{"for update hash comment", "SELECT a AS n FROM t FOR # x\nUPDATE", `locking clause "FOR UPDATE"`},
		{"for update nowait", "SELECT a AS n FROM t FOR UPDATE NOWAIT", `locking clause "FOR UPDATE"`},
		{"for update skip locked", "SELECT a AS n FROM t FOR UPDATE SKIP LOCKED", `locking clause "FOR UPDATE"`},
		{"for share", "SELECT a AS n FROM t FOR SHARE", `locking clause "FOR SHARE"`},
		{"for share of", "SELECT a AS n FROM t FOR SHARE OF t SKIP LOCKED", `locking clause "FOR SHARE"`},
		{"lock in share mode split", "SELECT a AS n FROM t LOCK/**/IN SHARE MODE", `locking clause "LOCK IN SHARE MODE"`},
		{"lock in share mode wait", "SELECT a AS n FROM t LOCK IN SHARE MODE WAIT 1", `locking clause "LOCK IN SHARE MODE"`},
		{"lock in subquery", "SELECT a AS n FROM t WHERE a IN (SELECT b FROM u FOR UPDATE)", `locking clause "FOR UPDATE"`},
		{"lock in cte", "WITH x AS (SELECT a FROM t FOR UPDATE) SELECT a AS n FROM x", `locking clause "FOR UPDATE"`},
		{"lock in union", "SELECT 1 AS n UNION SELECT a FROM t LOCK IN SHARE MODE", `locking clause "LOCK IN SHARE MODE"`},
		{"into outfile split", "SELECT a AS n FROM t INTO/**/OUTFILE '/tmp/x'", "INTO OUTFILE is not allowed"},
		{"into dumpfile", "SELECT a AS n FROM t INTO DUMPFILE '/tmp/x'", "INTO DUMPFILE is not allowed"},
		{"into variable", "SELECT a FROM t INTO @x", "INTO is not allowed"},
		{"into before from", "SELECT a INTO @x FROM t", "INTO is not allowed"},
		{"into in subquery", "SELECT * FROM (SELECT 1 AS n INTO @x) d", "INTO is not allowed"},
		{"into in union", "SELECT 1 AS n UNION SELECT 2 INTO OUTFILE '/tmp/x'", "INTO OUTFILE is not allowed"},
		{"get_lock", "SELECT GET_LOCK('app_lock', 0) AS n", "function GET_LOCK has side effects"},
		{"get_lock lower", "select get_lock('app_lock', 0) as n", "function GET_LOCK has side effects"},
		{"get_lock backticks", "SELECT `GET_LOCK`('app_lock', 0) AS n", "function GET_LOCK has side effects"},
		{"get_lock double quotes", `SELECT "get_lock"('app_lock', 0) AS n`, "function GET_LOCK has side effects"},
		{"get_lock space", "SELECT GET_LOCK ('app_lock', 0) AS n", "function GET_LOCK has side effects"},
		{"get_lock newline comment", "SELECT GET_LOCK\n/* x */ ('app_lock', 0) AS n", "function GET_LOCK has side effects"},
		{"get_lock qualified", "SELECT mysql.GET_LOCK('app_lock', 0) AS n", "function GET_LOCK has side effects"},
		{"get_lock qualified quoted", "SELECT `sys`.`get_lock`('app_lock', 0) AS n", "function GET_LOCK has side effects"},
		{"get_lock where", "SELECT a AS n FROM t WHERE GET_LOCK('x', 0) = 1", "function GET_LOCK"},
		{"get_lock order by", "SELECT a AS n FROM t ORDER BY GET_LOCK('x', 0)", "function GET_LOCK"},
		{"get_lock having", "SELECT a, COUNT(*) AS n FROM t GROUP BY a HAVING GET_LOCK('x', 0)", "function GET_LOCK"},
		{"get_lock join on", "SELECT t.a AS n FROM t JOIN u ON GET_LOCK('x', 0)", "function GET_LOCK"},
		{"get_lock cte", "WITH RECURSIVE x AS (SELECT GET_LOCK('x', 0) AS n) SELECT n FROM x", "function GET_LOCK"},
		{"get_lock window", "SELECT COUNT(*) OVER w AS n FROM t WINDOW w AS (ORDER BY GET_LOCK('x', 0))", "function GET_LOCK"},
		{"get_lock nested", "SELECT COALESCE(IF(a, GET_LOCK('x', 0), 0), 1) AS n FROM t", "function GET_LOCK"},
		{"release_lock", "SELECT RELEASE_LOCK('app_lock') AS n", "function RELEASE_LOCK"},
		{"release_all_locks", "SELECT RELEASE_ALL_LOCKS() AS n", "function RELEASE_ALL_LOCKS"},
		{"load_file", "SELECT LENGTH(LOAD_FILE('/etc/passwd')) AS n", "function LOAD_FILE"},
		{"nextval", "SELECT NEXTVAL(kos.seq) AS n", "function NEXTVAL"},
		{"setval", "SELECT SETVAL(kos.seq, 1) AS n", "function SETVAL"},
		{"lastval", "SELECT LASTVAL(kos.seq) AS n", "function LASTVAL"},
		{"next value for", "SELECT NEXT VALUE FOR kos.seq AS n", `"NEXT VALUE FOR"`},
		{"next value for subquery", "SELECT a AS n FROM t WHERE a = (SELECT NEXT VALUE FOR s)", `"NEXT VALUE FOR"`},
		{"previous value for", "SELECT PREVIOUS VALUE FOR kos.seq AS n", `"PREVIOUS VALUE FOR"`},
		{"master_pos_wait", "SELECT MASTER_POS_WAIT('log', 4) AS n", "function MASTER_POS_WAIT"},
		{"source_pos_wait", "SELECT SOURCE_POS_WAIT('log', 4) AS n", "function SOURCE_POS_WAIT"},
		{"master_gtid_wait", "SELECT MASTER_GTID_WAIT('0-1-1') AS n", "function MASTER_GTID_WAIT"},
		{"wait_for_executed_gtid_set", "SELECT WAIT_FOR_EXECUTED_GTID_SET('x') AS n", "function WAIT_FOR_EXECUTED_GTID_SET"},
		{"wait_until_sql_thread", "SELECT WAIT_UNTIL_SQL_THREAD_AFTER_GTIDS('x') AS n", "function WAIT_UNTIL_SQL_THREAD_AFTER_GTIDS"},
		{"last_insert_id", "SELECT LAST_INSERT_ID(5) AS n", "function LAST_INSERT_ID"},
		{"sys_exec udf", "SELECT sys_exec('touch /tmp/x') AS n", "function SYS_EXEC"},
		{"group replication udf", "SELECT group_replication_set_as_primary('x') AS n", "function GROUP_REPLICATION_SET_AS_PRIMARY"},
		{"assignment", "SELECT @v := 1 AS n", `assignment ":="`},
		{"assignment in where", "SELECT a AS n FROM t WHERE (@v := a) > 0", `assignment ":="`},
		// Statement kinds.
		{"insert", "INSERT INTO t VALUES (1)", `not "INSERT"`},
		{"with delete", "WITH x AS (SELECT 1) DELETE FROM t", "the parser read it as Delete"},
		{"with update", "WITH x AS (SELECT 1 AS a) UPDATE t SET a = 1", "the parser read it as Update"},
		{"do", "DO GET_LOCK('x', 0)", `not "DO"`},
		{"call", "CALL kos.p()", `not "CALL"`},
		{"explain", "EXPLAIN SELECT 1", `not "EXPLAIN"`},
		{"lock tables", "LOCK TABLES t READ", `not "LOCK"`},
		{"handler", "HANDLER t OPEN", `not "HANDLER"`},
		{"paren drop", "((DROP TABLE t))", "the parser read it as DDL"},
		{"show grants", "SHOW GRANTS", "SHOW GRANTS is not allowed"},
		{"show processlist", "SHOW FULL PROCESSLIST", "SHOW PROCESSLIST is not allowed"},
		{"show create table", "SHOW CREATE TABLE t", "SHOW CREATE TABLE is not allowed"},
		{"show status get_lock", "SHOW GLOBAL STATUS WHERE Variable_name = GET_LOCK('x', 0)", "function GET_LOCK"},
		// Lexing: where the server and the parser could disagree.
		{"double dash no space", "SELECT 1 --1 AS n FROM t FOR UPDATE", `"--" must be followed by a space`},
		{"double dash hides", "SELECT 1 AS n --x\n", `"--" must be followed by a space`},
		{"triple dash", "SELECT 1 AS n ---x", `"--" must be followed by a space`},
		{"slash slash", "SELECT 1 AS n // FOR UPDATE", `"//" is not allowed`},
		{"nested comment", "SELECT 1 AS n /* a /* b */ FOR UPDATE */", `"/*" inside a comment`},
		{"nested comment overlapping", "/*/*/(SELECT 0)", `"/*" inside a comment`},
		{"unterminated comment", "SELECT 1 AS n /* x", "unterminated comment"},
		{"unterminated string", "SELECT 'abc AS n", "unterminated string"},
		{"unterminated identifier", "SELECT 1 AS `n", "unterminated quoted identifier"},
		{"backslash quote", `SELECT 'a\' FOR UPDATE -- ' AS n`, "backslash in a quoted string"},
		{"backslash like", `SELECT COUNT(*) AS n FROM t WHERE a LIKE 'x\_%'`, "ESCAPE '!'"},
		{"backslash identifier", "SELECT 1 AS `a\\`", "backslash in a quoted string or identifier"},
		{"backslash N", `SELECT \N AS n`, "backslash outside quotes"},
		{"two statements", "SELECT 1 AS n; DROP TABLE t", `";" is not allowed`},
		{"trailing semicolon", "SELECT 1 AS n;", `";" is not allowed`},
		{"nul byte", "SELECT 1 AS n\x00 FOR UPDATE", "NUL byte"},
		{"placeholder", "SELECT ? AS n", `placeholder "?"`},
		{"bind variable", "SELECT :v AS n", `":" outside quotes`},
		{"only comments", "-- nothing\n/* here */", "no statement"},
		{"unparsable mariadb syntax", "SELECT a AS n FROM t LIMIT ROWS EXAMINED 10", "cannot be parsed"},
		{"parser panic", "SELECT''", "the parser failed"},
		{"vitess only syntax", "SELECT NEXT 5 VALUES FROM s", `"NEXT VALUE FOR" is not allowed`},
		// A number glued to a word: the server splits "1e1FOR" into 1e1 and
		// FOR, the parser reads one name (checked on MariaDB 10.11).
		{"number glued to FOR", "SELECT 1e1FOR SHARE", `"1e1FOR" is not allowed: a number runs into a word`},
		{"number glued to INTO", "SELECT a AS n FROM t WHERE 1e1INTO", `"1e1INTO" is not allowed`},
		{"decimal glued to FOR", "SELECT 1.5FOR UPDATE", `"5FOR" is not allowed`},
		{"signed exponent glued to FOR", "SELECT 1e+1FOR SHARE", `"1FOR" is not allowed`},
	}
}

// legitimateSQL must each be accepted.
func legitimateSQL() []string {
	return []string{
		"SELECT 1 AS n",
		"select count(*) as n from activation where state = 'in_progress'",
		"(SELECT 1 AS n)",
		"( (SELECT 1 AS n) ) -- nested",
		"-- a comment first is fine\n/* and this */ (SELECT 1 AS n)",
		"SELECT 1 AS n -- trailing comment",
		"SELECT 1 AS n --",
		"SELECT 1 AS n # hash comment\n",
		"SELECT 1 AS n /* block */",
		"SELECT a - -1 AS n FROM t",
		"SELECT 1e3 AS n, 1E-3 AS m, 2.5e+2 AS o, 0x1F AS p, 0b101 AS q, .5 AS r, 1. AS s",
		"SELECT COUNT(*) AS n FROM `1st_table` JOIN t2 ON t2.id = 1",
		"SELECT 'it''s' AS model, 1 AS n",
		`SELECT "double" AS model, 1 AS n`,
		"SELECT `select` AS n FROM `t`",
		"SELECT 'FOR UPDATE' AS model, 'INTO OUTFILE' AS x, 'get_lock(' AS y, 1 AS n",
		"SELECT get_lock AS n FROM t",
		"SELECT a, COUNT(*) AS n FROM t WHERE a LIKE 'x!_%' ESCAPE '!' GROUP BY a",
		"SELECT 1 AS n UNION ALL SELECT 2",
		"(SELECT 1 AS n) UNION (SELECT 2) ORDER BY 1 LIMIT 1",
		"SELECT 1 AS n INTERSECT SELECT 1",
		"WITH x AS (SELECT 1 AS n) SELECT n FROM x",
		"WITH RECURSIVE x AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM x WHERE n < 3) SELECT n FROM x",
		"SELECT a AS n FROM t WHERE a IN (SELECT b FROM u WHERE c = 'x') AND EXISTS (SELECT 1 FROM v)",
		"SELECT COUNT(*) OVER (PARTITION BY a ORDER BY b) AS n FROM t",
		"VALUES ROW(1, 2)",
		"VALUES (1, 2)",
		"SELECT a AS n FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '2020-01-01 00:00:00'",
		"TABLE activation",
		"SHOW GLOBAL STATUS LIKE 'Threads%'",
		"SHOW SESSION VARIABLES",
		"SHOW TABLE STATUS FROM kos",
		"SHOW REPLICA STATUS",
		"SELECT IS_FREE_LOCK('x') AS n, IS_USED_LOCK('x') AS m",
		"SELECT kos.my_stored_function(1) AS n",
		"SELECT JSON_EXTRACT('{\"a\": 1}', '$.a') AS n",
		"SELECT CAST(a AS UNSIGNED) AS n, CONVERT(b, CHAR) AS m FROM t",
		"SELECT @@global.max_connections AS n, @x AS m",
		"SELECT a AS n FROM t WHERE b = @v",
		// The SQL of tools/loadcheck and e2e: time only, bounded by the limit.
		"SELECT 'x' AS model, SLEEP(2) AS n /* slow */",
		"SELECT SLEEP(3) AS n /* cancelled */",
		"SELECT SLEEP(20) AS n",
		"SELECT BENCHMARK(1000, MD5('x')) AS n",
		"SELECT model, n FROM big",
		"SELECT COUNT(*) AS n FROM big /* fast */",
		"SELECT model, n FROM act",
		"SELECT COUNT(*) AS depth FROM act",
		// README example.
		"SELECT model, kind, COUNT(*) AS n\nFROM activation WHERE requested_at >= CURDATE()\nGROUP BY model, kind",
	}
}

func TestCheckSQLRefuses(t *testing.T) {
	if len(hostileSQL()) < 40 {
		t.Fatalf("only %d hostile statements", len(hostileSQL()))
	}
	for _, tt := range hostileSQL() {
		t.Run(tt.name, func(t *testing.T) {
			err := checkSQL(tt.sql)
			if err == nil {
				t.Fatalf("checkSQL(%q) accepted it", tt.sql)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("checkSQL(%q) = %q, want it to contain %q", tt.sql, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "sql: ") {
				t.Errorf("error %q does not start with \"sql: \"", err)
			}
		})
	}
}

func TestCheckSQLAccepts(t *testing.T) {
	for _, sql := range legitimateSQL() {
		if err := checkSQL(sql); err != nil {
			t.Errorf("checkSQL(%q) = %v, want nil", sql, err)
		}
	}
}

// The tree check alone refuses every hostile statement the parser reads,
// so it does not lean on the token scan that runs before it.
func TestCheckTreeAlone(t *testing.T) {
	checked := 0
	for _, tt := range hostileSQL() {
		toks, err := lexSQL(tt.sql)
		if err != nil {
			continue // refused before any parsing
		}
		stmt, err := parse(unparenthesize(tt.sql, toks))
		if err != nil {
			continue
		}
		checked++
		if err := checkTree(stmt); err == nil {
			t.Errorf("%s: checkTree accepted %q", tt.name, tt.sql)
		}
	}
	if checked < 40 {
		t.Errorf("only %d hostile statements reached the tree check", checked)
	}
}

// Every collector shipped in collectors.yaml passes the guard.
func TestShippedCollectorsPassGuard(t *testing.T) {
	data, err := os.ReadFile("../../collectors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(data, "collectors.yaml")
	if err != nil {
		t.Fatalf("collectors.yaml: %v", err)
	}
	if len(cfg.Collectors) == 0 {
		t.Fatal("collectors.yaml has no collectors")
	}
	for _, c := range cfg.Collectors {
		if err := checkSQL(c.SQL); err != nil {
			t.Errorf("collector %q: %v", c.Name, err)
		}
	}
}

// The guard's errors reach the config error list with the SQL's line and
// the collector's name.
func TestCheckSQLErrorPosition(t *testing.T) {
	const data = "targets:\n  kos: {dsn: x}\ncollectors:\n" +
		"  - name: locker\n" +
		"    sql: SELECT a AS n FROM t FOR/**/UPDATE\n" +
		"    metrics: [{name: kos_a, type: gauge, help: H., value: n}]\n"
	_, err := Parse([]byte(data), "c.yml")
	want := `c.yml:5: collector "locker": sql: locking clause "FOR UPDATE" is not allowed`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Parse error = %v, want prefix %q", err, want)
	}
}

// BenchmarkCheckSQL is the guard's cost per shipped collector, and that of
// its passes; it runs once per collector at load, never per run.
func BenchmarkCheckSQL(b *testing.B) {
	data, err := os.ReadFile("../../collectors.yaml")
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := Parse(data, "collectors.yaml")
	if err != nil {
		b.Fatal(err)
	}
	sqls := make([]string, len(cfg.Collectors))
	for i, c := range cfg.Collectors {
		sqls[i] = c.SQL
	}
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if err := checkSQL(sqls[i%len(sqls)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lex+scan", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			toks, err := lexSQL(sqls[i%len(sqls)])
			if err == nil {
				err = scanTokens(toks)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := parse(sqls[i%len(sqls)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A since_midnight collector's check allows placeholders as range bounds
// and nothing else: every hostile statement stays refused.
func TestCheckRangeSQLRefuses(t *testing.T) {
	for _, tt := range hostileSQL() {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := checkRangeSQL(tt.sql); err == nil {
				t.Errorf("checkRangeSQL(%q) accepted it", tt.sql)
			}
		})
	}
	for _, sql := range []string{
		"SELECT ? AS n",
		"SELECT COUNT(*) AS n FROM t WHERE t > ? AND t < ?",   // start exclusive
		"SELECT COUNT(*) AS n FROM t WHERE t >= ? AND t <= ?", // end inclusive
		"SELECT COUNT(*) AS n FROM t WHERE t >= ? AND t < ? OR t = :v3",
		"SELECT COUNT(*) AS n FROM t WHERE t >= ? AND t < ? INTO @x",
		"SELECT COUNT(*) AS n FROM t WHERE t >= ? AND t < ?; DROP TABLE t",
		"SELECT COUNT(*) AS n FROM t WHERE t >= ? AND t < ? AND GET_LOCK('x', 1)",
	} {
		if _, err := checkRangeSQL(sql); err == nil {
			t.Errorf("checkRangeSQL(%q) accepted it", sql)
		}
	}
}

func TestCheckRangeSQLAccepts(t *testing.T) {
	tests := []struct {
		sql   string
		marks []int
	}{
		{"SELECT COUNT(*) AS n FROM t WHERE t >= ? AND t < ?", []int{39, 49}},
		{"SELECT COUNT(*) AS n FROM t WHERE ? <= t AND ? > t", []int{34, 45}},
		{"SELECT COUNT(*) AS n FROM t WHERE t >= ? AND t < ? -- ?", []int{39, 49}},
		{"SELECT a, SUM(n) AS n FROM (SELECT a, 1 AS n FROM t WHERE t >= ? AND t < ? UNION ALL SELECT a, 1 FROM u WHERE u.x >= ? AND u.x < ? /* ? */ AND y = '?') AS d GROUP BY a",
			[]int{63, 73, 117, 129}},
	}
	for _, tt := range tests {
		marks, err := checkRangeSQL(tt.sql)
		if err != nil {
			t.Errorf("checkRangeSQL(%q) = %v", tt.sql, err)
			continue
		}
		if !slices.Equal(marks, tt.marks) {
			t.Errorf("checkRangeSQL(%q) placeholders at %v, want %v", tt.sql, marks, tt.marks)
		}
		for _, at := range marks {
			if tt.sql[at] != '?' {
				t.Errorf("offset %d of %q is %q", at, tt.sql, tt.sql[at])
			}
		}
	}
}

func TestBind(t *testing.T) {
	c := &Collector{SQL: "SELECT COUNT(*) AS n FROM t WHERE a >= ? AND a < ? UNION ALL SELECT 1 FROM u WHERE b >= ? AND b < ?"}
	marks, err := checkRangeSQL(c.SQL)
	if err != nil {
		t.Fatal(err)
	}
	c.SinceMidnight = &SinceMidnight{Placeholders: marks}
	got := c.Bind("'s'", "'e'")
	want := "SELECT COUNT(*) AS n FROM t WHERE a >= 's' AND a < 'e' UNION ALL SELECT 1 FROM u WHERE b >= 's' AND b < 'e'"
	if got != want {
		t.Errorf("Bind = %q, want %q", got, want)
	}
}
