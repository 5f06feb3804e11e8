package schema_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kos-ops/kos_exporter/internal/mysqltest"
	"github.com/kos-ops/kos_exporter/schema"
)

func TestStatements(t *testing.T) {
	for _, tc := range []struct {
		name        string
		variant     schema.Variant
		keys        bool
		primaryKeys int
	}{
		{"full", schema.Full, true, 17},
		{"in-process", schema.InProcess, false, 9}, // the 6 live tables and 2 call logs have none
	} {
		t.Run(tc.name, func(t *testing.T) {
			stmts := schema.Statements(tc.variant)
			if len(stmts) != 17 {
				t.Fatalf("got %d statements, want 17 tables", len(stmts))
			}
			keys, primaryKeys := 0, 0
			for _, s := range stmts {
				if !strings.HasPrefix(s, "CREATE TABLE IF NOT EXISTS ") || !strings.HasSuffix(s, "\n)") {
					t.Errorf("statement is not a whole idempotent CREATE TABLE: %.60q", s)
				}
				if strings.Contains(s, "--") || strings.Contains(s, ",\n)") {
					t.Errorf("comment or dangling comma left in statement: %q", s)
				}
				keys += strings.Count(s, "\n  KEY ")
				primaryKeys += strings.Count(s, "\n  PRIMARY KEY ")
			}
			if (keys > 0) != tc.keys {
				t.Errorf("%d secondary keys, want them: %v", keys, tc.keys)
			}
			if primaryKeys != tc.primaryKeys {
				t.Errorf("%d primary keys, want %d", primaryKeys, tc.primaryKeys)
			}
		})
	}
}

// TestApply loads the schema twice (the second run must be a no-op) into a
// fresh test database.
func TestApply(t *testing.T) {
	for _, v := range []schema.Variant{schema.Full, schema.InProcess} {
		t.Run(fmt.Sprintf("variant %d", v), func(t *testing.T) {
			db := mysqltest.New(t).SQL
			ctx := context.Background()
			for range 2 {
				if err := schema.Apply(ctx, db, v); err != nil {
					t.Fatal(err)
				}
			}
			var n int
			if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 17 {
				t.Errorf("got %d tables, want 17", n)
			}
		})
	}
}
