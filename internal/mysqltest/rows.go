package mysqltest

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kos-ops/kos_exporter/internal/sqlrows"
)

// Rows runs q and returns its columns and every row as strings (NULL is an
// invalid NullString), for statements whose columns a test does not fix:
// SELECT *, EXPLAIN.
func Rows(t testing.TB, db *sql.DB, q string, args ...any) (cols []string, rows [][]sql.NullString) {
	t.Helper()
	cols, rows, err := sqlrows.Strings(context.Background(), db, q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return cols, rows
}

// Dump returns every table of the connection's database with its rows in
// sorted order, so two databases' contents compare as strings.
func Dump(t testing.TB, db *sql.DB) string {
	t.Helper()
	_, tables := Rows(t, db, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name")
	var b strings.Builder
	for _, tbl := range tables {
		name := tbl[0].String
		_, rows := Rows(t, db, "SELECT * FROM "+name)
		lines := make([]string, len(rows))
		for i, r := range rows {
			lines[i] = fmt.Sprint(r)
		}
		slices.Sort(lines)
		fmt.Fprintf(&b, "%s %d rows\n%s\n", name, len(lines), strings.Join(lines, "\n"))
	}
	return b.String()
}
