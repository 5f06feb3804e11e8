package schema_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/internal/memsql"
	"github.com/kos-ops/kos_exporter/schema"
)

func TestStatements(t *testing.T) {
	for _, tc := range []struct {
		name    string
		variant schema.Variant
		keys    bool
	}{
		{"full", schema.Full, true},
		{"primary keys only", schema.PrimaryKeysOnly, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stmts := schema.Statements(tc.variant)
			if len(stmts) != 15 {
				t.Fatalf("got %d statements, want 15 tables", len(stmts))
			}
			keys := 0
			for _, s := range stmts {
				if !strings.HasPrefix(s, "CREATE TABLE IF NOT EXISTS ") || !strings.HasSuffix(s, "\n)") {
					t.Errorf("statement is not a whole idempotent CREATE TABLE: %.60q", s)
				}
				if strings.Contains(s, "--") || strings.Contains(s, ",\n)") {
					t.Errorf("comment or dangling comma left in statement: %q", s)
				}
				keys += strings.Count(s, "\n  KEY ")
			}
			if (keys > 0) != tc.keys {
				t.Errorf("%d secondary keys, want them: %v", keys, tc.keys)
			}
		})
	}
}

// TestApply loads the schema twice (the second run must be a no-op) into the
// in-process server and, when KOS_TEST_MYSQL_DSN is set, into a fresh
// database on that server.
func TestApply(t *testing.T) {
	engines := map[string]func(t *testing.T) *sql.DB{"gms": gmsDB}
	if dsn := os.Getenv("KOS_TEST_MYSQL_DSN"); dsn != "" {
		engines["mysql"] = func(t *testing.T) *sql.DB { return freshDB(t, dsn) }
	}
	for name, open := range engines {
		for _, v := range []schema.Variant{schema.Full, schema.PrimaryKeysOnly} {
			t.Run(fmt.Sprintf("%s/variant %d", name, v), func(t *testing.T) {
				db := open(t)
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
				if n != 15 {
					t.Errorf("got %d tables, want 15", n)
				}
			})
		}
	}
}

func gmsDB(t *testing.T) *sql.DB {
	srv, err := memsql.Start("127.0.0.1:0", "kos")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	db, err := sql.Open("mysql", srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func freshDB(t *testing.T, dsn string) *sql.DB {
	root, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	name := "kos_schema_test_" + strings.ReplaceAll(strings.ToLower(t.Name()[len("TestApply/"):]), "/", "_")
	name = strings.ReplaceAll(name, " ", "_")
	ctx := context.Background()
	if _, err := root.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
		t.Fatal(err)
	}
	if _, err := root.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.ExecContext(ctx, "DROP DATABASE "+name) })
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = name
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
