package sqlrun

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/result"
)

// RunError is a failed collector run with the reason it is counted under.
type RunError struct {
	Reason  result.Reason
	Reached bool // whether the database answered at all
	Err     error
	// Kill is set when the client gave up while the statement could
	// still be running on the server: what the kill achieved.
	Kill *Kill
}

func (e *RunError) Error() string {
	if e.Kill == nil {
		return e.Err.Error()
	}
	return e.Err.Error() + "; " + e.Kill.String()
}

func (e *RunError) Unwrap() error { return e.Err }

// MySQL server errors the runner tells apart.
const (
	errMariaDBStatementTime = 1969 // max_statement_time exceeded
	errMySQLExecutionTime   = 3024 // max_execution_time exceeded
	errUnknownThread        = 1094 // KILL of a thread that has ended
)

// Run executes the collector's query once, in a read-only session (set up
// when the connection was opened) and a read-only transaction, bounded by
// the collector's timeout on both sides, and maps the rows. When the
// client gives up first (deadline, or ctx cancelled by a reload or
// shutdown), the statement is killed on the server.
// Errors are *RunError.
func (t *Target) Run(ctx context.Context, c *config.Collector) (*result.Result, error) {
	return t.run(ctx, c.Timeout, func(ctx context.Context, r *runConn) (*result.Result, *RunError) {
		return r.query(ctx, c, c.SQL)
	})
}

// run gives work a connection for one run, bounded by timeout. When the
// client gives up first (deadline, or ctx cancelled by a reload or
// shutdown), the statement is killed on the server.
func (t *Target) run(ctx context.Context, timeout time.Duration, work func(ctx context.Context, r *runConn) (*result.Result, *RunError)) (*result.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	select {
	case t.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, connectFailure(ctx.Err())
	}
	conn, err := t.db.Conn(ctx)
	if err != nil {
		<-t.slots
		return nil, connectFailure(err)
	}
	r := &runConn{conn: conn, timeout: timeout}
	mapped, runErr := work(ctx, r)
	if r.unbound {
		conn.Close()
		<-t.slots
		return nil, runErr
	}
	if ctx.Err() == nil {
		t.releaseLocks(conn) // frees the slot when the session is clean
		if runErr != nil {
			return nil, runErr
		}
		return mapped, nil
	}
	if runErr == nil {
		// Done just in time; the session may hold a lock and there is no
		// time left to release it, so it goes.
		discard(conn)
		conn.Close()
		<-t.slots
		return mapped, nil
	}
	// The driver has dropped the connection under the statement, but the
	// server goes on running it. The session is discarded first, so no
	// later run can be on its thread when the kill arrives: the kill can
	// only hit this run's statement, or nothing.
	discard(conn)
	conn.Close()
	runErr.Kill = t.kill(ctx, r.thread)
	<-t.slots
	return nil, runErr
}

// runConn is the connection of one run.
type runConn struct {
	conn    *sql.Conn
	timeout time.Duration
	thread  uint64 // of the session, once a statement was bound
	// unbound: setting the statement limits failed, so the session is
	// closed rather than cleaned or killed.
	unbound bool
}

// query runs sql, bounded, as c's query and maps its rows.
func (r *runConn) query(ctx context.Context, c *config.Collector, sql string) (*result.Result, *RunError) {
	s, err := bindSession(ctx, r.conn, sql, r.timeout)
	if err != nil {
		r.unbound = true
		return nil, classify(ctx, "setting the statement limits", err, true)
	}
	r.thread = s.thread
	return query(ctx, r.conn, s, c)
}

// releaseLocks frees the user-level locks (GET_LOCK) a query may have
// taken through a stored function, which neither the read-only
// transaction nor its rollback releases, then returns conn to the pool; a
// session that cannot be cleaned is closed, which frees them too. It runs
// after the run has returned, so the round trip adds nothing to a run's
// time; the pool slot stays taken until it is done.
func (t *Target) releaseLocks(conn *sql.Conn) {
	t.cleaning.Add(1)
	go func() {
		defer t.cleaning.Done()
		defer func() { <-t.slots }()
		defer conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), killTimeout)
		defer cancel()
		// SELECT, not DO: the in-process server lacks DO.
		var released int64
		if err := conn.QueryRowContext(ctx, "SELECT RELEASE_ALL_LOCKS()").Scan(&released); err != nil {
			discard(conn)
		}
	}()
}

// query runs the bounded statement on conn and maps its rows. On MariaDB
// the statement carries read-only itself (SET STATEMENT tx_read_only=1) and
// is its own transaction; elsewhere it runs in START TRANSACTION READ ONLY,
// because a MySQL-compatible server may ignore the session's read-only mode
// (the in-process one does) while honouring the transaction's.
func query(ctx context.Context, conn *sql.Conn, s session, c *config.Collector) (*result.Result, *RunError) {
	q := conn.QueryContext
	if !s.readOnlyStatement {
		tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return nil, classify(ctx, "starting a read-only transaction", err, true)
		}
		// Nothing is written; rolling back ends the snapshot at once.
		defer tx.Rollback()
		q = tx.QueryContext
	}
	rows, err := q(ctx, s.query)
	if err != nil {
		return nil, classify(ctx, "running the query", err, true)
	}
	defer rows.Close()
	mapped, err := MapRows(ctx, c, rows)
	if err != nil {
		var re *RunError
		if !errors.As(err, &re) {
			re = &RunError{Reason: result.ReasonScan, Reached: true, Err: err}
		}
		return nil, re
	}
	return mapped, nil
}

// MapRows reads every row of a collector's query and maps it onto the
// collector's metrics. ctx is the query's context, to tell timeouts apart.
// Errors are *RunError.
func MapRows(ctx context.Context, c *config.Collector, rows *sql.Rows) (*result.Result, error) {
	columns, err := rows.Columns()
	if err != nil {
		return nil, classify(ctx, "reading the columns", err, true)
	}
	mapper, err := NewMapper(c, columns)
	if err != nil {
		return nil, &RunError{Reason: result.ReasonColumns, Reached: true, Err: err}
	}
	bits, err := bitColumns(rows)
	if err != nil {
		return nil, classify(ctx, "reading the column types", err, true)
	}
	raw := make([]driverValue, len(columns))
	dest := make([]any, len(columns))
	for i := range raw {
		dest[i] = &raw[i]
	}
	values := make([]any, len(columns))
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, classify(ctx, "reading a row", err, true)
		}
		for i := range raw {
			values[i] = raw[i].v
		}
		for _, i := range bits {
			if t, ok := values[i].(*rowText); ok {
				if x, ok := bitValue(*t); ok {
					values[i] = x
				}
			}
		}
		if err := mapper.Add(values); err != nil {
			if errors.Is(err, ErrTooManySeries) {
				return nil, &RunError{Reason: result.ReasonCardinality, Reached: true, Err: err}
			}
			return nil, &RunError{Reason: result.ReasonScan, Reached: true, Err: err}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, classify(ctx, "reading the rows", err, true)
	}
	mapped, err := mapper.Finish()
	if err != nil {
		return nil, &RunError{Reason: result.ReasonScan, Reached: true, Err: err}
	}
	return mapped, nil
}

// driverValue receives a column's value as the driver returned it. A
// []byte is the driver's buffer, which a timeout may overwrite from another
// goroutine as soon as Scan returns (database/sql closes the rows then;
// go.dev/issue/60304), so it is copied here, while database/sql still
// holds the rows open, into text, which the next row reuses. Scanning into
// *any would copy it too, but into a new slice in a new interface every
// time: two allocations per text column and row, which a million-row run
// felt.
type driverValue struct {
	v    any // src, or &text
	text rowText
}

// rowText is a text value of the row being mapped (see driverValue).
type rowText []byte

func (d *driverValue) Scan(src any) error {
	if b, ok := src.([]byte); ok {
		d.text = append(d.text[:0], b...)
		d.v = &d.text
		return nil
	}
	d.v = src
	return nil
}

// connectFailure names the reason DB.Conn failed. Everything that failed
// while opening a session is connect; database/sql returns ctx.Err() itself
// when the deadline passed while waiting for a free pool slot, which is a
// timeout.
func connectFailure(err error) *RunError {
	wrapped := fmt.Errorf("connecting: %w", err)
	var ce *connectError
	if !errors.As(err, &ce) && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
		return &RunError{Reason: result.ReasonTimeout, Reached: false, Err: fmt.Errorf("waiting for a free connection: %w", err)}
	}
	return &RunError{Reason: result.ReasonConnect, Reached: false, Err: wrapped}
}

// bitColumns returns the indexes of BIT columns, whose raw bytes are a
// number.
func bitColumns(rows *sql.Rows) ([]int, error) {
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	var bits []int
	for i, ct := range types {
		if ct.DatabaseTypeName() == "BIT" {
			bits = append(bits, i)
		}
	}
	return bits, nil
}

// classify names the reason of a failed step after the session was open.
// reached says whether the server had answered before this step.
func classify(ctx context.Context, step string, err error, reached bool) *RunError {
	wrapped := fmt.Errorf("%s: %w", step, err)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return &RunError{Reason: result.ReasonTimeout, Reached: reached, Err: wrapped}
	}
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) {
		switch myErr.Number {
		case errMariaDBStatementTime, errMySQLExecutionTime:
			return &RunError{Reason: result.ReasonTimeout, Reached: true, Err: wrapped}
		}
		return &RunError{Reason: result.ReasonSQL, Reached: true, Err: wrapped}
	}
	if !reached || errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, driver.ErrBadConn) {
		return &RunError{Reason: result.ReasonConnect, Reached: false, Err: wrapped}
	}
	return &RunError{Reason: result.ReasonScan, Reached: true, Err: wrapped}
}
