package schema_test

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/internal/memsql"
	"github.com/kos-ops/kos_exporter/schema"
)

func TestStatements(t *testing.T) {
	stmts := schema.Statements()
	if len(stmts) != 15 {
		t.Fatalf("got %d statements, want 15 tables", len(stmts))
	}
	for _, s := range stmts {
		if !strings.HasPrefix(s, "CREATE TABLE IF NOT EXISTS ") {
			t.Errorf("statement is not an idempotent CREATE TABLE: %.60q", s)
		}
		if strings.Contains(s, "--") {
			t.Errorf("comment left in statement: %.60q", s)
		}
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
		t.Run(name, func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			for range 2 {
				if err := schema.Apply(ctx, db); err != nil {
					t.Fatal(err)
				}
			}
			var n int
			if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != len(schema.Statements()) {
				t.Errorf("got %d tables, want %d", n, len(schema.Statements()))
			}
		})
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
	const name = "kos_schema_test"
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
