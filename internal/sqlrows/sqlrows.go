// Package sqlrows reads the rows of a statement whose columns the caller
// does not fix (SELECT *, EXPLAIN) as strings.
package sqlrows

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Querier is a *sql.DB, *sql.Conn or *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Strings runs q and returns its columns and every row, NULL as an invalid
// NullString.
func Strings(ctx context.Context, db Querier, q string, args ...any) (cols []string, rows [][]sql.NullString, err error) {
	rs, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rs.Close()
	if cols, err = rs.Columns(); err != nil {
		return nil, nil, fmt.Errorf("columns: %w", err)
	}
	for rs.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, nil, fmt.Errorf("row %d: %w", len(rows)+1, err)
		}
		rows = append(rows, vals)
	}
	return cols, rows, rs.Err()
}

// Maps runs q and returns each row as lower-cased column name → value,
// NULL as "": for EXPLAIN, whose columns MySQL and MariaDB spell alike in
// lower case but not always in the same order.
func Maps(ctx context.Context, db Querier, q string, args ...any) ([]map[string]string, error) {
	cols, rows, err := Strings(ctx, db, q, args...)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]string, len(rows))
	for i, vals := range rows {
		out[i] = make(map[string]string, len(cols))
		for j, c := range cols {
			out[i][strings.ToLower(c)] = vals[j].String
		}
	}
	return out, nil
}
