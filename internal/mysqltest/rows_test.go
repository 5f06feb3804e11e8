package mysqltest_test

import (
	"testing"

	"github.com/kos-ops/kos_exporter/internal/mysqltest"
)

func TestDump(t *testing.T) {
	db := mysqltest.New(t)
	db.Exec(t,
		"CREATE TABLE b (id INT PRIMARY KEY, s VARCHAR(8))",
		"CREATE TABLE a (id INT PRIMARY KEY)",
		"INSERT INTO b VALUES (2, ''), (1, NULL)",
	)
	want := "a 0 rows\n\n" +
		"b 2 rows\n[{1 true} { false}]\n[{2 true} { true}]\n"
	if got := mysqltest.Dump(t, db.SQL); got != want {
		t.Errorf("Dump:\n%s\nwant:\n%s", got, want)
	}
}

func TestRows(t *testing.T) {
	db := mysqltest.New(t)
	cols, rows := mysqltest.Rows(t, db.SQL, "SELECT ? AS x, NULL AS y", "v")
	if len(cols) != 2 || cols[0] != "x" || cols[1] != "y" {
		t.Fatalf("columns %q, want [x y]", cols)
	}
	if len(rows) != 1 || rows[0][0].String != "v" || rows[0][1].Valid {
		t.Errorf("rows %v, want one row: v, NULL", rows)
	}
}
