package sqlrun

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/internal/mysqltest"
)

// hostileCase is a statement a hostile or careless config author may
// write. Placeholders: {row} a row of table locked and {lock} a user-level
// lock name, both the case's own so cases run in parallel; {file} a path
// the server could write.
type hostileCase struct {
	name string
	sql  string
	// needsGuard: harmful if it ever ran, so the config check (config.Parse,
	// and CheckDSN on the target's DSN) must refuse it; it is never run.
	needsGuard bool
	// hold: what another session (the application) holds during the run:
	// "row" the row {row} FOR UPDATE, "lock" the user lock {lock}.
	hold string
	// gms: meaningful and safe on the in-process server too (no stored
	// routines, sequences or MariaDB-only syntax).
	gms bool
	// dsn: parameters added to the target's DSN.
	dsn string
}

var hostileCases = []hostileCase{
	// Executable comments and SET STATEMENT: what the server runs is not
	// what a keyword check sees.
	{name: "exec comment SET STATEMENT DROP", sql: "/*!SET STATEMENT tx_read_only=0 FOR DROP*/ TABLE sentinel", needsGuard: true},
	{name: "exec comment SET STATEMENT CREATE AS", sql: "/*!SET STATEMENT tx_read_only=0 FOR CREATE TABLE pwned AS*/ SELECT 1 AS n", needsGuard: true},
	{name: "MariaDB exec comment DROP", sql: "/*M!SET STATEMENT tx_read_only=0 FOR DROP*/ TABLE sentinel", needsGuard: true},
	{name: "versioned exec comment DROP", sql: "/*!50000 SET STATEMENT tx_read_only=0 FOR DROP*/ TABLE sentinel", needsGuard: true},
	{name: "SET STATEMENT CREATE", sql: "SET STATEMENT tx_read_only=0 FOR CREATE TABLE pwned (id INT)", needsGuard: true},
	{name: "exec comment DROP", sql: "/*!DROP*/ TABLE sentinel"},
	{name: "exec comment TRUNCATE", sql: "/*!TRUNCATE*/ TABLE sentinel"},
	{name: "exec comment INSERT", sql: "/*!INSERT INTO sentinel VALUES (100, 1)*/"},
	{name: "exec comment SET STATEMENT UPDATE", sql: "/*!SET STATEMENT tx_read_only=0 FOR UPDATE*/ sentinel SET v = v + 1"},
	{name: "SET STATEMENT INSERT", sql: "SET STATEMENT tx_read_only=0 FOR INSERT INTO sentinel VALUES (101, 1)"},
	{name: "second statement", sql: "SELECT 1 AS n; DROP TABLE sentinel"},
	{name: "second statement in exec comment", sql: "SELECT 1 AS n /*!; DROP TABLE sentinel*/"},

	// Time limits.
	{name: "exec comment lifts the time limit", sql: "/*!SET STATEMENT max_statement_time=0 FOR*/ SELECT SLEEP(5) AS n"},
	{name: "SET STATEMENT lifts the time limit", sql: "SET STATEMENT max_statement_time=0 FOR SELECT SLEEP(5) AS n"},
	{name: "SLEEP past the timeout", sql: "SELECT SLEEP(5) AS n", gms: true},
	{name: "BENCHMARK", sql: "SELECT BENCHMARK(5000000000, MD5(RAND())) AS n"},
	{name: "cartesian join", sql: "SELECT COUNT(*) AS n FROM information_schema.COLLATIONS a, information_schema.COLLATIONS b, information_schema.COLLATIONS c, information_schema.COLLATIONS d"},
	{name: "endless recursive CTE", sql: "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 1000000000) SELECT COUNT(*) AS n FROM r"},
	{name: "SLEEP in a subquery", sql: "SELECT (SELECT SLEEP(5)) AS n", gms: true},
	{name: "SLEEP in a CTE", sql: "WITH s AS (SELECT SLEEP(5) AS n) SELECT n FROM s", gms: true},
	{name: "SLEEP in a UNION", sql: "SELECT 1 AS n UNION ALL SELECT SLEEP(5)", gms: true},
	{name: "SLEEP in a derived table", sql: "SELECT n FROM (SELECT SLEEP(5) AS n) d", gms: true},
	{name: "hint MAX_EXECUTION_TIME(0)", sql: "SELECT /*+ MAX_EXECUTION_TIME(0) */ SLEEP(5) AS n", gms: true},
	{name: "hint SET_VAR max_statement_time", sql: "SELECT /*+ SET_VAR(max_statement_time=0) */ SLEEP(5) AS n", gms: true},
	{name: "hint SET_VAR read-only", sql: "SELECT /*+ SET_VAR(tx_read_only=0) */ 1 AS n", gms: true},
	{name: "stored function lifts the time limit", sql: "SELECT lift_limit() + SLEEP(3) AS n"},
	{name: "DO SLEEP", sql: "DO SLEEP(5)"},
	{name: "VALUES SLEEP", sql: "VALUES (SLEEP(5))"},

	// Writes from inside a query.
	{name: "stored function lifts read-only", sql: "SELECT lift_ro() AS n"},
	{name: "stored function writes", sql: "SELECT writer() AS n"},
	{name: "stored function lifts read-only then writes", sql: "SELECT lift_ro() + writer() AS n"},
	{name: "sequence NEXTVAL", sql: "SELECT NEXTVAL(kos_seq) AS n"},
	{name: "sequence NEXT VALUE FOR", sql: "SELECT NEXT VALUE FOR kos_seq AS n"},
	{name: "sequence SETVAL", sql: "SELECT SETVAL(kos_seq, 1000) AS n"},
	{name: "CALL a procedure", sql: "CALL escape_ro()", needsGuard: true},

	// Locks.
	{name: "FOR UPDATE on a held row", sql: "SELECT v AS n FROM locked WHERE id = {row} FOR UPDATE", hold: "row", gms: true},
	{name: "FOR/**/UPDATE on a held row", sql: "SELECT v AS n FROM locked WHERE id = {row} FOR/**/UPDATE", hold: "row", gms: true},
	{name: "LOCK/**/IN SHARE MODE on a held row", sql: "SELECT v AS n FROM locked WHERE id = {row} LOCK/**/IN SHARE MODE", hold: "row", gms: true},
	{name: "FOR UPDATE NOWAIT", sql: "SELECT v AS n FROM locked WHERE id = {row} FOR UPDATE NOWAIT", hold: "row"},
	{name: "FOR UPDATE SKIP LOCKED", sql: "SELECT v AS n FROM locked WHERE id = {row} FOR UPDATE SKIP LOCKED", hold: "row"},
	{name: "FOR UPDATE hidden in a CTE", sql: "WITH l AS (SELECT v FROM locked WHERE id = {row} FOR UPDATE) SELECT v AS n FROM l", hold: "row"},
	{name: "FOR UPDATE hidden in a UNION", sql: "SELECT 1 AS n UNION ALL (SELECT v FROM locked WHERE id = {row} FOR UPDATE)", hold: "row"},
	{name: "FOR UPDATE hidden in a subquery", sql: "SELECT (SELECT v FROM locked WHERE id = {row} FOR UPDATE) AS n", hold: "row"},
	{name: "LOCK IN SHARE MODE in a derived table", sql: "SELECT n FROM (SELECT v AS n FROM locked WHERE id = {row} LOCK IN SHARE MODE) d", hold: "row"},
	{name: "FOR UPDATE on a free row", sql: "SELECT v AS n FROM locked WHERE id = {row} FOR UPDATE", gms: true},
	{name: "GET_LOCK", sql: "SELECT GET_LOCK('{lock}', 0) AS n", gms: true},
	{name: "GET_LOCK hidden in a subquery", sql: "SELECT (SELECT GET_LOCK('{lock}', 0)) AS n", gms: true},
	{name: "GET_LOCK in a stored function", sql: "SELECT grab_lock('{lock}') AS n"},
	{name: "GET_LOCK waits on the application's lock", sql: "SELECT GET_LOCK('{lock}', 30) AS n", hold: "lock"}, // the in-process server does not end a GET_LOCK wait on KILL QUERY
	{name: "LOCK TABLES", sql: "LOCK TABLES sentinel READ", needsGuard: true},
	{name: "FLUSH TABLES WITH READ LOCK", sql: "FLUSH TABLES WITH READ LOCK", needsGuard: true},

	// Files and variables.
	{name: "INTO OUTFILE", sql: "SELECT 1 AS n INTO OUTFILE '{file}'", needsGuard: true},
	{name: "INTO/**/OUTFILE", sql: "SELECT 1 AS n INTO/**/OUTFILE '{file}'", needsGuard: true},
	{name: "INTO DUMPFILE", sql: "SELECT 'x' INTO DUMPFILE '{file}'", needsGuard: true},
	{name: "LOAD_FILE", sql: "SELECT LOAD_FILE('/etc/passwd') AS n", needsGuard: true},
	{name: "INTO a user variable", sql: "SELECT v INTO @kos_v FROM sentinel LIMIT 1"},

	// The client character set: in big5 the last byte of "丩" (E4 B8 A9)
	// and the "`" after it are one character, so the server reads the
	// quoted name on to the next "`" and runs what the check reads as the
	// text of a string.
	{name: "big5 hides INTO OUTFILE in a string", sql: "SELECT 1 AS `丩`, 'x` INTO OUTFILE \"{file}\" -- ' AS n", dsn: "charset=big5", needsGuard: true},
	{name: "big5 as a session variable", sql: "SELECT 1 AS `丩`, 'x` INTO OUTFILE \"{file}\" -- ' AS n", dsn: "character_set_client=big5", needsGuard: true},
	{name: "big5 set in another parameter's value", sql: "SELECT 1 AS `丩`, 'x` FROM locked WHERE id = {row} FOR UPDATE -- ' AS n", dsn: "wait_timeout=60%2C%20character_set_client%3Dbig5", needsGuard: true},
}

// hostileEnv is the database the cases run against.
type hostileEnv struct {
	db      *mysqltest.DB
	fileDir string // where the server could write a file
	state   string // fingerprint of everything a case must not change
}

// TestHostileSQLHarmless runs every hostile case that config.Parse
// accepts against the database and proves it harmless: no table changed
// or created, no file written, no lock held, nothing running one second
// after the timeout, the session's limits intact. Cases that would be
// harmful must be refused by config.Parse. Real MariaDB (KOS_TEST_MYSQL_DSN)
// is needed for most assertions; the in-process server runs the cases
// marked gms and the checks it supports.
func TestHostileSQLHarmless(t *testing.T) {
	env := setupHostile(t, mysqltest.New(t))
	// The in-process server races on concurrent information_schema
	// queries, so there each case gets a server of its own.
	envFor := func(t *testing.T) *hostileEnv {
		if env.db.Real {
			return env
		}
		return setupHostile(t, mysqltest.New(t))
	}
	// t.Run from goroutines, not t.Parallel: the cases mostly wait, and
	// -parallel defaults to the 2 cores. The semaphore spares the server.
	sem := make(chan struct{}, 12)
	var wg sync.WaitGroup
	for i, tc := range hostileCases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t.Run(tc.name, func(t *testing.T) { envFor(t).run(t, i+1, tc) })
		}()
	}
	wg.Wait()
	if got := env.fingerprint(t); got != env.state {
		t.Errorf("database changed by the suite:\nbefore %s\nafter  %s", env.state, got)
	}
}

func setupHostile(t *testing.T, db *mysqltest.DB) *hostileEnv {
	env := &hostileEnv{db: db, fileDir: os.TempDir()}
	rows := make([]string, len(hostileCases))
	for i := range rows {
		rows[i] = fmt.Sprintf("(%d, %d)", i+1, 10*(i+1))
	}
	db.Exec(t,
		"CREATE TABLE sentinel (id INT PRIMARY KEY, v INT)",
		"INSERT INTO sentinel VALUES (1, 10), (2, 20), (3, 30)",
		"CREATE TABLE locked (id INT PRIMARY KEY, v INT)",
		"INSERT INTO locked VALUES "+strings.Join(rows, ", "),
	)
	if db.Real {
		db.Exec(t,
			"CREATE SEQUENCE kos_seq",
			"CREATE FUNCTION lift_limit() RETURNS INT NOT DETERMINISTIC BEGIN SET @@session.max_statement_time = 0; RETURN 1; END",
			"CREATE FUNCTION lift_ro() RETURNS INT NOT DETERMINISTIC BEGIN SET SESSION tx_read_only = 0; RETURN 1; END",
			"CREATE FUNCTION writer() RETURNS INT NOT DETERMINISTIC MODIFIES SQL DATA BEGIN INSERT INTO sentinel VALUES (1000, 1); RETURN 1; END",
			"CREATE FUNCTION grab_lock(name VARCHAR(64)) RETURNS INT NOT DETERMINISTIC RETURN GET_LOCK(name, 0)",
			"CREATE PROCEDURE escape_ro() BEGIN SET SESSION tx_read_only = 0; COMMIT; INSERT INTO sentinel VALUES (1001, 1); END",
		)
		var priv sql.NullString
		if err := db.SQL.QueryRow("SELECT @@secure_file_priv").Scan(&priv); err != nil {
			t.Fatal(err)
		}
		if priv.String != "" {
			env.fileDir = priv.String
		}
	}
	env.state = env.fingerprint(t)
	return env
}

// fingerprint sums up the tables, rows, sequence and routines.
func (e *hostileEnv) fingerprint(t *testing.T) string {
	t.Helper()
	queries := []string{
		"SELECT GROUP_CONCAT(table_name ORDER BY table_name) FROM information_schema.tables WHERE table_schema = DATABASE()",
		"SELECT CONCAT(COUNT(*), '/', COALESCE(SUM(v), 0), '/', COALESCE(SUM(id * v), 0)) FROM sentinel",
		"SELECT CONCAT(COUNT(*), '/', COALESCE(SUM(v), 0), '/', COALESCE(SUM(id * v), 0)) FROM locked",
	}
	if e.db.Real {
		queries = append(queries,
			"SELECT CONCAT(next_not_cached_value, '/', cycle_count) FROM kos_seq",
			"SELECT GROUP_CONCAT(routine_name ORDER BY routine_name) FROM information_schema.routines WHERE routine_schema = DATABASE()",
		)
	}
	parts := make([]string, len(queries))
	for i, q := range queries {
		var s sql.NullString
		if err := e.db.SQL.QueryRow(q).Scan(&s); err != nil {
			t.Fatalf("fingerprint %q: %v", q, err)
		}
		parts[i] = s.String
	}
	return strings.Join(parts, " | ")
}

func hostileConfig(dsn, query string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "targets:\n  kos:\n    dsn: %q\n    max_open_conns: 1\n", dsn)
	b.WriteString("collectors:\n  - name: hostile\n    target: kos\n    interval: 1m\n    timeout: 1s\n    sql: |-\n")
	for _, line := range strings.Split(query, "\n") {
		b.WriteString("      " + line + "\n")
	}
	b.WriteString("    metrics:\n      - name: kos_hostile\n        type: gauge\n        help: A hostile query.\n        value: n\n")
	return b.String()
}

func (e *hostileEnv) run(t *testing.T, n int, tc hostileCase) {
	var rnd [4]byte
	rand.Read(rnd[:])
	file := filepath.Join(e.fileDir, fmt.Sprintf("kos_hostile_%s_%d", hex.EncodeToString(rnd[:]), n))
	lock := fmt.Sprintf("app_lock_%d", n)
	query := strings.NewReplacer("{row}", fmt.Sprint(n), "{lock}", lock, "{file}", file).Replace(tc.sql)

	dsn := e.db.DSN
	if tc.dsn != "" {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + tc.dsn
	}
	cfg, err := config.Parse([]byte(hostileConfig(dsn, query)), "hostile.yml")
	if err == nil {
		err = CheckDSN(cfg.Targets[0].DSN) // as kos_exporter loads a config
	}
	if err != nil {
		t.Logf("refused by the config check: %v", err)
		return
	}
	if tc.needsGuard {
		t.Errorf("the config check accepted %q (DSN parameters %q), which only it can make harmless", query, tc.dsn)
		return
	}
	if !e.db.Real && !tc.gms {
		t.Skipf("in-process server: case needs MariaDB (stored routines, sequences, SET STATEMENT, executable comments); runs only against %s", mysqltest.EnvDSN)
	}
	c := cfg.Collectors[0]
	tgt, err := Open(cfg.Targets[0])
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	thread := sessionThread(t, tgt)

	release := e.hold(t, tc.hold, n, lock)
	began := time.Now()
	_, runErr := tgt.Run(context.Background(), c)
	t.Logf("run: %v", runErr)
	release()

	// Nothing of it keeps running: the server ends it without the test's
	// help. The bound only keeps a broken build from hanging; how soon it
	// ends is a timing figure (logged here, measured by make e2e's
	// sleeping-query check), not a pass condition on a loaded machine.
	for deadline := began.Add(c.Timeout + 10*time.Second); e.busy(t, thread) != 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("thread %d still runs a statement 10 s after the %s timeout", thread, c.Timeout)
			break
		}
	}
	t.Logf("thread idle %s after the run began (timeout %s)", time.Since(began).Round(10*time.Millisecond), c.Timeout)
	// The session refuses a plain write afterwards.
	if _, err := tgt.Run(context.Background(), gaugeCollector(t, "INSERT INTO sentinel VALUES (2000, 1)", 5*time.Second)); err == nil {
		t.Errorf("a write succeeded on the pool after the case")
	}
	if got := e.fingerprint(t); got != e.state {
		t.Errorf("database changed:\nbefore %s\nafter  %s", e.state, got)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("file %s exists (stat: %v)", file, err)
		os.Remove(file)
	}
	var free sql.NullInt64
	if err := e.db.SQL.QueryRow("SELECT IS_FREE_LOCK(?)", lock).Scan(&free); err != nil {
		t.Fatalf("IS_FREE_LOCK: %v", err)
	}
	if free.Int64 != 1 {
		t.Errorf("user lock %s is held after the run", lock)
	}
	if !e.db.Real {
		t.Skip("in-process server: row locks, the server's time limit and read-only DDL are checked only against " + mysqltest.EnvDSN)
	}
	var onServer sql.NullString
	if err := e.db.SQL.QueryRow("SELECT LOAD_FILE(?)", file).Scan(&onServer); err != nil {
		t.Fatalf("LOAD_FILE: %v", err)
	}
	if onServer.Valid {
		t.Errorf("the server has a file %s", file)
	}
	if _, err := e.db.SQL.Exec(fmt.Sprintf("SET STATEMENT innodb_lock_wait_timeout = 1 FOR UPDATE locked SET v = v WHERE id = %d", n)); err != nil {
		t.Errorf("row %d of locked cannot be updated after the run: %v", n, err)
	}
	e.checkLimits(t, tgt)
}

// sessionThread opens the pool's one session, so the case runs on it, and
// returns its server thread id.
func sessionThread(t *testing.T, tgt *Target) uint64 {
	t.Helper()
	conn, err := tgt.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var thread uint64
	conn.Raw(func(dc any) error {
		thread = dc.(*sessionConn).thread
		return nil
	})
	return thread
}

// hold makes another session (the application) hold the case's row or
// user lock; the returned func lets go.
func (e *hostileEnv) hold(t *testing.T, what string, row int, lock string) func() {
	t.Helper()
	if what == "" {
		return func() {}
	}
	ctx := context.Background()
	conn, err := e.db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	switch what {
	case "row":
		var v int
		if _, err := conn.ExecContext(ctx, "START TRANSACTION"); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, "SELECT v FROM locked WHERE id = ? FOR UPDATE", row).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return func() {
			conn.ExecContext(ctx, "ROLLBACK")
			conn.Close()
		}
	case "lock":
		var got int
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", lock).Scan(&got); err != nil || got != 1 {
			t.Fatalf("GET_LOCK: %d, %v", got, err)
		}
		return func() {
			var released sql.NullInt64
			if err := conn.QueryRowContext(ctx, "SELECT RELEASE_LOCK(?)", lock).Scan(&released); err != nil || released.Int64 != 1 {
				t.Errorf("the application's RELEASE_LOCK: %v, %v", released, err)
			}
			conn.Close()
		}
	}
	t.Fatalf("unknown hold %q", what)
	return nil
}

// busy counts statements thread is running.
func (e *hostileEnv) busy(t *testing.T, thread uint64) int {
	t.Helper()
	var n int
	if err := e.db.SQL.QueryRow(fmt.Sprintf("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %d AND COMMAND <> 'Sleep'", thread)).Scan(&n); err != nil {
		t.Fatalf("processlist: %v", err)
	}
	return n
}

// checkLimits proves the pool's session still has its limits: it is
// read-only, and the statement limit alone (the client allows longer)
// stops a sleep after 1 s on the server.
func (e *hostileEnv) checkLimits(t *testing.T, tgt *Target) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), sleepClientLimit)
	defer cancel()
	conn, err := tgt.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var ro int
	if err := conn.QueryRowContext(ctx, "SELECT @@session.tx_read_only").Scan(&ro); err != nil || ro != 1 {
		t.Errorf("session tx_read_only = %d (%v), want 1", ro, err)
	}
	s := serverStopsSleep(ctx, t, conn)
	// The thread reports its statement a moment after sending the error;
	// the bound only keeps a broken build from passing.
	for deadline := time.Now().Add(10 * time.Second); e.busy(t, s.thread) != 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("%s still running 10 s after the server stopped it", sleepPastLimit)
			break
		}
	}
}

// sleepPastLimit is a statement the 1 s limit of serverStopsSleep must
// stop, and sleepClientLimit the client's deadline for it. Both are long:
// once, right after a 22-million-row load, SLEEP(3) under the 1 s limit
// ended without the error (most likely MariaDB's statement timer firing
// over 2 s late), and a late timer must still find the sleep running.
const (
	sleepPastLimit   = "SELECT SLEEP(30)"
	sleepClientLimit = 45 * time.Second
)

// serverStopsSleep runs sleepPastLimit on conn bound to a 1 s limit and
// fails unless the server's max_statement_time error stops it (ctx must
// allow longer, so only the server can). It returns the bound session.
func serverStopsSleep(ctx context.Context, t *testing.T, conn *sql.Conn) session {
	t.Helper()
	s, err := bindSession(ctx, conn, sleepPastLimit, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.ExecContext(ctx, s.query)
	var myErr *mysql.MySQLError
	if !errors.As(err, &myErr) || myErr.Number != errMariaDBStatementTime {
		t.Errorf("%s under a 1s limit: %v, want the server's max_statement_time error", sleepPastLimit, err)
	}
	return s
}
