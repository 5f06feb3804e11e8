package sqlrun

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/result"
	"github.com/kos-ops/kos_exporter/internal/mysqltest"
)

func openTarget(t *testing.T, dsn string) *Target {
	t.Helper()
	tgt, err := Open(&config.Target{Name: "kos", DSN: config.Secret(dsn), MaxOpenConns: 2})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { tgt.Close() })
	return tgt
}

func seedActivations(t *testing.T, db *mysqltest.DB) {
	db.Exec(t,
		"CREATE TABLE act (id INT PRIMARY KEY, model VARCHAR(20), n INT)",
		"INSERT INTO act VALUES (1, 'iphone17', 120), (2, 'galaxy_s26', 80), (3, NULL, 5), (4, 'fold7', NULL)",
	)
}

func runErr(t *testing.T, err error) *RunError {
	t.Helper()
	var re *RunError
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T) is not a *RunError", err, err)
	}
	return re
}

func expose(t *testing.T, m *result.Result) string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(constCollector(allMetrics(m)))
	var b strings.Builder
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range families {
		for _, mm := range f.Metric {
			b.WriteString(f.GetName())
			for _, l := range mm.Label {
				b.WriteString(" " + l.GetName() + "=" + l.GetValue())
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

type constCollector []prometheus.Metric

func (constCollector) Describe(chan<- *prometheus.Desc) {}
func (c constCollector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c {
		ch <- m
	}
}

func TestRunHappyPathWithNulls(t *testing.T) {
	db := mysqltest.New(t)
	seedActivations(t, db)
	tgt := openTarget(t, db.DSN)
	m, err := tgt.Run(context.Background(), gaugeCollector(t, "SELECT model, n FROM act ORDER BY id", 5*time.Second))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := `
# HELP kos_activations Activations.
# TYPE kos_activations gauge
kos_activations{model=""} 5
kos_activations{model="galaxy_s26"} 80
kos_activations{model="iphone17"} 120
`
	if err := testutil.CollectAndCompare(constCollector(allMetrics(m)), strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	wantSkips := map[result.Skip]int{
		{Metric: "kos_activations", Column: "model", Reason: result.SkipNullLabel}: 1,
		{Metric: "kos_activations", Column: "n", Reason: result.SkipNullValue}:     1,
	}
	for k, v := range wantSkips {
		if m.Skipped[k] != v {
			t.Errorf("skipped %+v = %d, want %d (all: %v)", k, m.Skipped[k], v, m.Skipped)
		}
	}
}

func TestRunFailures(t *testing.T) {
	db := mysqltest.New(t)
	seedActivations(t, db)
	tgt := openTarget(t, db.DSN)
	tooMany := gaugeCollector(t, "SELECT model, n FROM act WHERE n IS NOT NULL AND model IS NOT NULL", 5*time.Second)
	tooMany.MaxSeries = 1
	for _, tc := range []struct {
		name      string
		collector *config.Collector
		reason    result.Reason
		msg       string
	}{
		{"syntax error", gaugeCollector(t, "SELEC model, n FROM act", 5*time.Second), result.ReasonSQL, "running the query"},
		{"unknown table", gaugeCollector(t, "SELECT model, n FROM nope", 5*time.Second), result.ReasonSQL, "nope"},
		{"missing value column", gaugeCollector(t, "SELECT model, n AS cnt FROM act", 5*time.Second), result.ReasonColumns, `"n"`},
		{"cardinality", tooMany, result.ReasonCardinality, "too many series"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tgt.Run(context.Background(), tc.collector)
			re := runErr(t, err)
			if re.Reason != tc.reason || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got reason %q err %q, want reason %q containing %q", re.Reason, err, tc.reason, tc.msg)
			}
			if !re.Reached {
				t.Errorf("Reached = false, the database did answer")
			}
		})
	}
}

func TestRunRefusesWrites(t *testing.T) {
	db := mysqltest.New(t)
	seedActivations(t, db)
	tgt := openTarget(t, db.DSN)
	for _, tc := range []struct {
		name, sql string
		// The in-process server ignores read-only mode for DDL; config
		// validation refuses such SQL before it reaches any server.
		realOnly bool
	}{
		{"insert", "INSERT INTO act VALUES (10, 'evil', 1)", false},
		{"update", "UPDATE act SET n = 0", false},
		{"delete", "DELETE FROM act", false},
		{"drop", "DROP TABLE act", true},
		{"create", "CREATE TABLE evil (id INT)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.realOnly && !db.Real {
				t.Skipf("in-process server: case runs only against %s", mysqltest.EnvDSN)
			}
			_, err := tgt.Run(context.Background(), gaugeCollector(t, tc.sql, 5*time.Second))
			if err == nil {
				t.Fatalf("writing SQL %q succeeded", tc.sql)
			}
			var rows, sum int
			if err := db.SQL.QueryRow("SELECT COUNT(*), COALESCE(SUM(n), 0) FROM act").Scan(&rows, &sum); err != nil {
				t.Fatalf("table act after %q: %v", tc.sql, err)
			}
			if rows != 4 || sum != 205 {
				t.Errorf("after %q: %d rows summing %d, want 4 rows summing 205", tc.sql, rows, sum)
			}
			var evil int
			db.SQL.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'evil'").Scan(&evil)
			if evil != 0 {
				t.Errorf("table evil was created")
			}
		})
	}
}

func TestRunTimeout(t *testing.T) {
	db := mysqltest.New(t)
	tgt := openTarget(t, db.DSN)
	began := time.Now()
	_, err := tgt.Run(context.Background(), gaugeCollector(t, "SELECT 'x' AS model, SLEEP(5) AS n", 300*time.Millisecond))
	re := runErr(t, err)
	if re.Reason != result.ReasonTimeout {
		t.Fatalf("reason %q (%v), want timeout", re.Reason, err)
	}
	if took := time.Since(began); took > 4*time.Second {
		t.Errorf("run returned after %v, the 300ms timeout was not applied", took)
	}
	if !db.Real {
		return
	}
	// The server-side limit must end the query even though the client gave up.
	deadline := time.Now().Add(3 * time.Second)
	for {
		var n int
		if err := db.SQL.QueryRow("SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE 'SELECT ''x'' AS model, SLEEP%'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d timed-out queries still running on the server", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRunServerSideLimit(t *testing.T) {
	db := mysqltest.New(t)
	if !db.Real {
		t.Skip("in-process server does not enforce max_execution_time; covered against real MariaDB when " + mysqltest.EnvDSN + " is set")
	}
	tgt := openTarget(t, db.DSN)
	// Only the server's limit can end this: the statement's limit is 1s
	// while the client context allows 10s.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := tgt.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s, err := bindSession(ctx, conn, "SELECT SLEEP(5)", time.Second)
	if err != nil {
		t.Fatalf("statement limits: %v", err)
	}
	began := time.Now()
	_, err = conn.ExecContext(ctx, s.query)
	took := time.Since(began)
	if took > 3*time.Second {
		t.Errorf("SLEEP(5) ran %v under a 1s server-side limit (err %v)", took, err)
	}
}

func TestRunDatabaseDownThenUp(t *testing.T) {
	db := mysqltest.New(t)
	seedActivations(t, db)
	proxy := mysqltest.NewProxy(t, db.Addr)
	proxy.Down()
	tgt := openTarget(t, db.WithAddr(proxy.Addr))
	c := gaugeCollector(t, "SELECT model, n FROM act WHERE model IS NOT NULL AND n IS NOT NULL", 2*time.Second)

	_, err := tgt.Run(context.Background(), c)
	if re := runErr(t, err); re.Reason != result.ReasonConnect || re.Reached {
		t.Fatalf("down at start: reason %q reached %v (%v), want connect, not reached", re.Reason, re.Reached, err)
	}
	proxy.Up()
	if _, err := tgt.Run(context.Background(), c); err != nil {
		t.Fatalf("after the database came up: %v", err)
	}
	// A restart kills the pooled connections under the client.
	proxy.Down()
	_, err = tgt.Run(context.Background(), c)
	if re := runErr(t, err); re.Reason != result.ReasonConnect {
		t.Fatalf("while restarting: reason %q (%v), want connect", re.Reason, err)
	}
	proxy.Up()
	m, err := tgt.Run(context.Background(), c)
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if m.Series != 2 {
		t.Errorf("after restart: %d series, want 2", m.Series)
	}
	if open := tgt.DB().Stats().OpenConnections; open > 2 {
		t.Errorf("%d open connections, pool allows 2", open)
	}
}

func TestOpenInvalidDSNHidesPassword(t *testing.T) {
	_, err := Open(&config.Target{Name: "kos", DSN: "kos:s3cret-pw@tcp(db:3306", MaxOpenConns: 2})
	if err == nil {
		t.Fatal("invalid DSN accepted")
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("error reveals the password: %v", err)
	}
}

// allMetrics wraps a mapping's series as client_golang metrics, so tests can
// hold them to a (pedantic) registry and testutil's comparisons.
func allMetrics(m *result.Result) []prometheus.Metric {
	var all []prometheus.Metric
	for _, f := range m.Families {
		for _, dm := range f.All() {
			names := make([]string, len(dm.Label))
			for i, l := range dm.Label {
				names[i] = l.GetName()
			}
			all = append(all, dtoMetric{desc: prometheus.NewDesc(f.Name, f.Help, names, nil), m: dm})
		}
	}
	return all
}

type dtoMetric struct {
	desc *prometheus.Desc
	m    *dto.Metric
}

func (d dtoMetric) Desc() *prometheus.Desc { return d.desc }

func (d dtoMetric) Write(out *dto.Metric) error {
	out.Label, out.Gauge, out.Counter, out.Histogram = d.m.Label, d.m.Gauge, d.m.Counter, d.m.Histogram
	return nil
}

func TestSessionSetupOncePerConnection(t *testing.T) {
	db := mysqltest.New(t)
	seedActivations(t, db)
	proxy := mysqltest.NewProxy(t, db.Addr)
	tgt, err := Open(&config.Target{Name: "kos", DSN: config.Secret(db.WithAddr(proxy.Addr)), MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	c := gaugeCollector(t, "SELECT model, n FROM act WHERE n IS NOT NULL AND model IS NOT NULL", 5*time.Second)
	for range 3 {
		if _, err := tgt.Run(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	c.Timeout = 4 * time.Second
	if _, err := tgt.Run(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	tgt.Close() // waits for the sessions' cleaning
	// Limits are never cached: MariaDB gets them in every statement, MySQL
	// (and the in-process server) has them set before every run.
	limits := []struct {
		what string
		want int
	}{
		{"SET SESSION max_execution_time = 5000, SESSION transaction_read_only = 1", 3},
		{"SET SESSION max_execution_time = 4000, SESSION transaction_read_only = 1", 1},
		{"SET STATEMENT", 0},
		{"SET SESSION transaction_read_only = 1", 1}, // once for the one connection
	}
	if db.Real {
		limits = []struct {
			what string
			want int
		}{
			{"SET STATEMENT max_statement_time=5.000, tx_read_only=1 FOR SELECT model, n FROM", 3},
			{"SET STATEMENT max_statement_time=4.000, tx_read_only=1 FOR SELECT model, n FROM", 1},
			{"SET SESSION max_", 0},
			{"SET SESSION tx_read_only = 1", 1}, // once for the one connection
		}
	}
	for _, tc := range append([]struct {
		what string
		want int
	}{
		{"SELECT VERSION(), CONNECTION_ID()", 1}, // likewise
		{"SELECT model, n FROM", 4},              // every run
		{"SELECT RELEASE_ALL_LOCKS()", 4},        // likewise
	}, limits...) {
		if got := proxy.Queries(tc.what); got != tc.want {
			t.Errorf("statements containing %q: %d, want %d", tc.what, got, tc.want)
		}
	}
}

// TestRunValues reads text and BIT columns through the driver: only plain
// decimal text counts, and BIT(n) is its unsigned integer.
func TestRunValues(t *testing.T) {
	db := mysqltest.New(t)
	db.Exec(t,
		"CREATE TABLE vals (id INT PRIMARY KEY, model VARCHAR(20), txt VARCHAR(20), b8 BIT(8), b16 BIT(16), b64 BIT(64))",
		`INSERT INTO vals VALUES
			(1, 'dec', '12.50', b'101', 300, 1),
			(2, 'exp', '-1.5e3', 0, 0, 0),
			(3, 'nan', 'NaN', 255, 65535, 18446744073709551615),
			(4, 'inf', '+Inf', 1, 1, 1),
			(5, 'minf', '-Inf', 1, 1, 1),
			(6, 'infinity', 'infinity', 1, 1, 1),
			(7, 'under', '1_000', 1, 1, 1),
			(8, 'hexfloat', '0x1p-2', 1, 1, 1),
			(9, 'hex', '0x10', 1, 1, 1)`,
	)
	tgt := openTarget(t, db.DSN)
	for _, tc := range []struct {
		column string
		want   map[string]float64
		skips  int
	}{
		{"txt", map[string]float64{"dec": 12.5, "exp": -1500}, 7},
		{"b8", map[string]float64{"dec": 5, "exp": 0, "nan": 255, "inf": 1, "minf": 1, "infinity": 1, "under": 1, "hexfloat": 1, "hex": 1}, 0},
		{"b16", map[string]float64{"dec": 300, "exp": 0, "nan": 65535, "inf": 1, "minf": 1, "infinity": 1, "under": 1, "hexfloat": 1, "hex": 1}, 0},
		{"b64", map[string]float64{"dec": 1, "exp": 0, "nan": 18446744073709551615, "inf": 1, "minf": 1, "infinity": 1, "under": 1, "hexfloat": 1, "hex": 1}, 0},
	} {
		t.Run(tc.column, func(t *testing.T) {
			m, err := tgt.Run(context.Background(), gaugeCollector(t, "SELECT model, "+tc.column+" AS n FROM vals ORDER BY id", 5*time.Second))
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			got := map[string]float64{}
			for _, f := range m.Families {
				for _, dm := range f.All() {
					got[dm.Label[0].GetValue()] = dm.GetGauge().GetValue()
				}
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("samples %v, want %v", got, tc.want)
			}
			skip := result.Skip{Metric: "kos_activations", Column: "n", Reason: result.SkipNonNumeric}
			if m.Skipped[skip] != tc.skips {
				t.Errorf("non-numeric skips %d, want %d (all: %v)", m.Skipped[skip], tc.skips, m.Skipped)
			}
		})
	}
}

// TestRunReassertsLimits: whatever switched the pooled session's limits
// off (a stored function can) does not carry over to the next run.
func TestRunReassertsLimits(t *testing.T) {
	db := mysqltest.New(t)
	seedActivations(t, db)
	tgt, err := Open(&config.Target{Name: "kos", DSN: config.Secret(db.DSN), MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	ctx := context.Background()
	conn, err := tgt.db.Conn(ctx) // the pool's one session
	if err != nil {
		t.Fatal(err)
	}
	lift := []string{"SET SESSION transaction_read_only = 0", "SET SESSION max_execution_time = 0"}
	if db.Real {
		lift = []string{"SET SESSION tx_read_only = 0", "SET SESSION max_statement_time = 0"}
	}
	for _, stmt := range lift {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	conn.Close()

	writes := []string{"INSERT INTO act VALUES (10, 'evil', 1)"}
	if db.Real {
		// DDL commits its way out of the read-only transaction: only the
		// session's (statement's) read-only stops it.
		writes = append(writes, "CREATE TABLE evil (id INT)")
	} else {
		t.Log("in-process server ignores read-only mode for DDL; DDL case runs only against " + mysqltest.EnvDSN)
	}
	for _, w := range writes {
		if _, err := tgt.Run(ctx, gaugeCollector(t, w, 5*time.Second)); err == nil {
			t.Errorf("%q succeeded on a session whose read-only had been switched off", w)
		}
	}
	var rows, evil int
	db.SQL.QueryRow("SELECT COUNT(*) FROM act").Scan(&rows)
	db.SQL.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'evil'").Scan(&evil)
	if rows != 4 || evil != 0 {
		t.Errorf("after the writes: act has %d rows (want 4), table evil exists: %v", rows, evil != 0)
	}
	if !db.Real {
		t.Skip("in-process server enforces no statement time limit; the limit case runs only against " + mysqltest.EnvDSN)
	}
	// The session's own max_statement_time is 0 now; the statement still
	// carries its limit. The client allows longer, so only the server can
	// stop the sleep with its error.
	ctx, cancel := context.WithTimeout(ctx, sleepClientLimit)
	defer cancel()
	conn, err = tgt.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	serverStopsSleep(ctx, t, conn)
}
