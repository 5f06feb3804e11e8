package sqlrows_test

import (
	"context"
	"testing"

	"github.com/kos-ops/kos_exporter/internal/mysqltest"
	"github.com/kos-ops/kos_exporter/internal/sqlrows"
)

func TestStringsAndMaps(t *testing.T) {
	db := mysqltest.New(t)
	ctx := context.Background()
	q := "SELECT 'a' AS Name, NULL AS Missing, '' AS Blank UNION ALL SELECT 'b', 'x', 'y'"
	cols, rows, err := sqlrows.Strings(ctx, db.SQL, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) != 3 || cols[0] != "Name" || len(rows) != 2 {
		t.Fatalf("columns %v, %d rows", cols, len(rows))
	}
	if rows[0][1].Valid || !rows[0][2].Valid || rows[0][2].String != "" {
		t.Errorf("NULL and '' not kept apart: %+v", rows[0])
	}
	maps, err := sqlrows.Maps(ctx, db.SQL, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(maps) != 2 || maps[1]["name"] != "b" || maps[1]["missing"] != "x" || maps[0]["missing"] != "" {
		t.Errorf("maps %v, want lower-cased columns and NULL as empty", maps)
	}
	if _, _, err := sqlrows.Strings(ctx, db.SQL, "SELECT * FROM no_such_table"); err == nil {
		t.Error("a failing query returned no error")
	}
}
