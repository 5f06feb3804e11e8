package sqlrun

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/snapshot"
)

// RunError is a failed collector run with the reason it is counted under.
type RunError struct {
	Reason  string // one of the snapshot.Reason* constants
	Reached bool   // whether the database answered at all
	Err     error
}

func (e *RunError) Error() string { return e.Err.Error() }
func (e *RunError) Unwrap() error { return e.Err }

// MySQL server errors the runner tells apart.
const (
	errAccessDenied         = 1045
	errDBAccessDenied       = 1044
	errMariaDBStatementTime = 1969 // max_statement_time exceeded
	errMySQLExecutionTime   = 3024 // max_execution_time exceeded
)

// Run executes the collector's query once, in a read-only session (set up
// when the connection was opened) and a read-only transaction, bounded by
// the collector's timeout on both sides, and maps the rows. Errors are
// *RunError.
func (t *Target) Run(ctx context.Context, c *config.Collector) (*Mapped, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()

	conn, err := t.db.Conn(ctx)
	if err != nil {
		return nil, classify(ctx, "connecting", err, false)
	}
	defer conn.Close()
	if err := limitSession(ctx, conn, c.Timeout); err != nil {
		return nil, classify(ctx, "setting the statement time limit", err, true)
	}
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, classify(ctx, "starting a read-only transaction", err, true)
	}
	// Nothing is written; rolling back ends the snapshot at once.
	defer tx.Rollback()

	rows, err := tx.QueryContext(ctx, c.SQL)
	if err != nil {
		return nil, classify(ctx, "running the query", err, true)
	}
	defer rows.Close()
	return MapRows(ctx, c, rows)
}

// MapRows reads every row of a collector's query and maps it onto the
// collector's metrics. ctx is the query's context, to tell timeouts apart.
// Errors are *RunError.
func MapRows(ctx context.Context, c *config.Collector, rows *sql.Rows) (*Mapped, error) {
	columns, err := rows.Columns()
	if err != nil {
		return nil, classify(ctx, "reading the columns", err, true)
	}
	mapper, err := NewMapper(c, columns)
	if err != nil {
		return nil, &RunError{Reason: snapshot.ReasonColumns, Reached: true, Err: err}
	}
	values := make([]any, len(columns))
	dest := make([]any, len(columns))
	for i := range values {
		dest[i] = &values[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, classify(ctx, "reading a row", err, true)
		}
		if err := mapper.Add(values); err != nil {
			if errors.Is(err, ErrTooManySeries) {
				return nil, &RunError{Reason: snapshot.ReasonCardinality, Reached: true, Err: err}
			}
			return nil, &RunError{Reason: snapshot.ReasonScan, Reached: true, Err: err}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, classify(ctx, "reading the rows", err, true)
	}
	mapped, err := mapper.Finish()
	if err != nil {
		return nil, &RunError{Reason: snapshot.ReasonScan, Reached: true, Err: err}
	}
	return mapped, nil
}

// classify names the reason of a failed step. reached says whether the
// server had answered before this step.
func classify(ctx context.Context, step string, err error, reached bool) *RunError {
	wrapped := fmt.Errorf("%s: %w", step, err)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return &RunError{Reason: snapshot.ReasonTimeout, Reached: reached, Err: wrapped}
	}
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) {
		switch myErr.Number {
		case errMariaDBStatementTime, errMySQLExecutionTime:
			return &RunError{Reason: snapshot.ReasonTimeout, Reached: true, Err: wrapped}
		case errAccessDenied, errDBAccessDenied:
			return &RunError{Reason: snapshot.ReasonConnect, Reached: false, Err: wrapped}
		}
		return &RunError{Reason: snapshot.ReasonSQL, Reached: true, Err: wrapped}
	}
	if !reached || errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, driver.ErrBadConn) {
		return &RunError{Reason: snapshot.ReasonConnect, Reached: false, Err: wrapped}
	}
	return &RunError{Reason: snapshot.ReasonScan, Reached: true, Err: wrapped}
}

// Result converts a mapping into what the snapshot stores, counting skipped
// values by reason.
func (m *Mapped) Result() *snapshot.Result {
	byReason := map[string]int{}
	for s, n := range m.Skipped {
		byReason[s.Reason] += n
	}
	return &snapshot.Result{Families: m.Families, Series: m.Series, Skipped: byReason}
}
