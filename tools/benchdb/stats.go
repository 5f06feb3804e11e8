package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// runStats is what the server reports for a collector's runs.
type runStats struct {
	runs           int
	total, max     time.Duration   // server time; max is 0 where unknown
	times          []time.Duration // each run's, where the source has them
	examined, sent int64
}

// plus is s and o run together n times: a run of one is a run of both.
// Per-run times add up where both sources have them.
func (s runStats) plus(o runStats) runStats {
	out := runStats{runs: s.runs, total: s.total + o.total, max: s.max + o.max, examined: s.examined + o.examined, sent: s.sent + o.sent}
	if len(s.times) == len(o.times) && len(s.times) > 0 {
		for i := range s.times {
			out.times = append(out.times, s.times[i]+o.times[i])
		}
	}
	if s.max == 0 || o.max == 0 {
		out.max = 0 // unknown for one of them
	}
	return out
}

// median is the middle run's time, or the mean where runs are not known
// one by one. On a shared machine it is the steadier figure: a run that
// waited for a core inflates the mean.
func (s runStats) median() time.Duration {
	if len(s.times) == 0 {
		if s.runs == 0 {
			return 0
		}
		return s.total / time.Duration(s.runs)
	}
	t := slices.Sorted(slices.Values(s.times))
	return t[len(t)/2]
}

// statSource measures statements on one connection from the server's own
// accounting.
type statSource interface {
	name() string
	// measure runs q n times on conn and returns the server's figures for
	// exactly those runs.
	measure(ctx context.Context, conn *sql.Conn, q string, n int) (runStats, error)
}

// openStatSource picks performance_schema's statement digests where the
// server has performance_schema on, else its slow log, switched on for the
// benchmark's sessions only (long_query_time=0 per session), written to
// the mysql.slow_log table; close restores the server's settings.
func openStatSource(ctx context.Context, db *sql.DB) (statSource, func() error, error) {
	var ps string
	if err := db.QueryRowContext(ctx, "SELECT @@performance_schema").Scan(&ps); err != nil {
		return nil, nil, fmt.Errorf("reading @@performance_schema: %w", err)
	}
	if ps == "1" || strings.EqualFold(ps, "ON") {
		return digests{}, func() error { return nil }, nil
	}
	var on int
	var output string
	if err := db.QueryRowContext(ctx, "SELECT @@global.slow_query_log, @@global.log_output").Scan(&on, &output); err != nil {
		return nil, nil, fmt.Errorf("reading the slow-log settings: %w", err)
	}
	outputs := output
	if !strings.Contains(strings.ToUpper(output), "TABLE") {
		outputs = strings.TrimPrefix(output+",TABLE", "NONE,")
	}
	// Sessions copy slow_query_log when they connect: the measuring
	// connections must be opened after this.
	if _, err := db.ExecContext(ctx, "SET GLOBAL log_output = ?, GLOBAL slow_query_log = 1", outputs); err != nil {
		return nil, nil, fmt.Errorf("switching the slow log on (long_query_time stays as it is for other sessions): %w", err)
	}
	restore := func() error {
		_, err := db.ExecContext(context.WithoutCancel(ctx), "SET GLOBAL log_output = ?, GLOBAL slow_query_log = ?", output, on)
		return err
	}
	return slowLog{}, restore, nil
}

// slowLog reads mysql.slow_log: query_time, rows_examined, rows_sent per
// statement, for statements marked with a comment unique to one measure.
type slowLog struct{}

func (slowLog) name() string {
	return "slow log (performance_schema is off): long_query_time=0 in the benchmark's session, log_output=TABLE, mysql.slow_log"
}

func (slowLog) measure(ctx context.Context, conn *sql.Conn, q string, n int) (runStats, error) {
	if _, err := conn.ExecContext(ctx, "SET SESSION long_query_time = 0"); err != nil {
		return runStats{}, fmt.Errorf("slow log for this session: %w", err)
	}
	marked := fmt.Sprintf("/* benchdb %d */ %s", time.Now().UnixNano(), q)
	for range n {
		if err := drain(ctx, conn, marked); err != nil {
			return runStats{}, err
		}
	}
	rows, err := conn.QueryContext(ctx, "SELECT query_time, rows_examined, rows_sent FROM mysql.slow_log WHERE sql_text = ?", marked)
	if err != nil {
		return runStats{}, fmt.Errorf("reading mysql.slow_log: %w", err)
	}
	defer rows.Close()
	var logged [][3]string
	for rows.Next() {
		var r [3]string
		if err := rows.Scan(&r[0], &r[1], &r[2]); err != nil {
			return runStats{}, fmt.Errorf("reading mysql.slow_log: %w", err)
		}
		logged = append(logged, r)
	}
	if err := rows.Err(); err != nil {
		return runStats{}, fmt.Errorf("reading mysql.slow_log: %w", err)
	}
	st, err := slowLogStats(logged)
	if err == nil && st.runs != n {
		err = fmt.Errorf("mysql.slow_log has %d of the %d runs", st.runs, n)
	}
	return st, err
}

// slowLogStats adds up slow-log rows: query_time (TIME(6), "00:00:00.001234"),
// rows_examined, rows_sent.
func slowLogStats(logged [][3]string) (runStats, error) {
	var st runStats
	for _, r := range logged {
		d, err := parseQueryTime(r[0])
		if err != nil {
			return runStats{}, err
		}
		examined, err1 := strconv.ParseInt(r[1], 10, 64)
		sent, err2 := strconv.ParseInt(r[2], 10, 64)
		if err := errors.Join(err1, err2); err != nil {
			return runStats{}, fmt.Errorf("slow-log row %q: %w", r, err)
		}
		st.runs++
		st.times = append(st.times, d)
		st.total += d
		st.max = max(st.max, d)
		st.examined += examined
		st.sent += sent
	}
	return st, nil
}

// parseQueryTime parses a TIME(6) such as "00:00:01.250000".
func parseQueryTime(s string) (time.Duration, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, fmt.Errorf("query_time %q: want hh:mm:ss.ffffff", s)
	}
	h, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	sec, err3 := strconv.ParseFloat(parts[2], 64)
	if err := errors.Join(err1, err2, err3); err != nil || h < 0 || m < 0 || sec < 0 {
		return 0, fmt.Errorf("query_time %q: want hh:mm:ss.ffffff", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec*1e6)*time.Microsecond, nil
}

// digests reads performance_schema.events_statements_summary_by_digest
// before and after the runs: the one digest whose count grew by exactly
// the runs is the collector's.
type digests struct{}

func (digests) name() string {
	return "performance_schema statement digests (events_statements_summary_by_digest)"
}

// digestRow is one digest's totals; timer in picoseconds.
type digestRow struct {
	text                  string
	count, timer          int64
	examined, sent, maxPS int64
}

func (digests) measure(ctx context.Context, conn *sql.Conn, q string, n int) (runStats, error) {
	before, err := digestSnapshot(ctx, conn)
	if err != nil {
		return runStats{}, err
	}
	for range n {
		if err := drain(ctx, conn, q); err != nil {
			return runStats{}, err
		}
	}
	after, err := digestSnapshot(ctx, conn)
	if err != nil {
		return runStats{}, err
	}
	return digestDelta(before, after, n)
}

func digestSnapshot(ctx context.Context, conn *sql.Conn) (map[string]digestRow, error) {
	rows, err := conn.QueryContext(ctx, `SELECT COALESCE(DIGEST, ''), COALESCE(DIGEST_TEXT, ''), COUNT_STAR, SUM_TIMER_WAIT,
		SUM_ROWS_EXAMINED, SUM_ROWS_SENT, MAX_TIMER_WAIT
		FROM performance_schema.events_statements_summary_by_digest WHERE SCHEMA_NAME = DATABASE()`)
	if err != nil {
		return nil, fmt.Errorf("reading statement digests: %w", err)
	}
	defer rows.Close()
	out := map[string]digestRow{}
	for rows.Next() {
		var d string
		var r digestRow
		if err := rows.Scan(&d, &r.text, &r.count, &r.timer, &r.examined, &r.sent, &r.maxPS); err != nil {
			return nil, fmt.Errorf("reading statement digests: %w", err)
		}
		out[d] = r
	}
	return out, rows.Err()
}

// digestDelta finds the digest that ran exactly n more times (not the
// snapshot query itself) and returns its growth. MAX_TIMER_WAIT is the
// maximum since the digest appeared: used only when it is new.
func digestDelta(before, after map[string]digestRow, n int) (runStats, error) {
	var found []runStats
	for d, a := range after {
		if strings.Contains(a.text, "events_statements_summary_by_digest") {
			continue
		}
		b, seen := before[d]
		if a.count-b.count != int64(n) {
			continue
		}
		st := runStats{runs: n, total: picos(a.timer - b.timer), examined: a.examined - b.examined, sent: a.sent - b.sent}
		if !seen {
			st.max = picos(a.maxPS)
		}
		found = append(found, st)
	}
	if len(found) != 1 {
		return runStats{}, fmt.Errorf("%d statement digests ran %d times; want exactly one (another session on the same schema?)", len(found), n)
	}
	return found[0], nil
}

func picos(ps int64) time.Duration { return time.Duration(ps / 1000) }

// drain runs q and reads every row, as the exporter does.
func drain(ctx context.Context, conn *sql.Conn, q string) error {
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}
