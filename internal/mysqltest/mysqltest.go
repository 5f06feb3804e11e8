// Package mysqltest gives tests a MySQL-protocol database: a fresh database
// on the server named by KOS_TEST_MYSQL_DSN when it is set (CI sets it to a
// real MariaDB), else the in-process server. The same test code runs on both.
package mysqltest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/internal/memsql"
)

// EnvDSN names the variable that selects a real server.
const EnvDSN = "KOS_TEST_MYSQL_DSN"

// DB is a database reserved for one test.
type DB struct {
	DSN  string  // go-sql-driver DSN of the test's database
	Addr string  // host:port of the server
	Real bool    // a real MySQL/MariaDB, not the in-process server
	SQL  *sql.DB // admin connection for setting up fixtures
}

// New returns an empty database, dropped or stopped when the test ends.
func New(t testing.TB) *DB {
	t.Helper()
	if base := os.Getenv(EnvDSN); base != "" {
		return newReal(t, base)
	}
	srv, err := memsql.Start("127.0.0.1:0", "kos")
	if err != nil {
		t.Fatalf("starting in-process MySQL server: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return open(t, &DB{DSN: srv.DSN(), Addr: srv.Addr})
}

func newReal(t testing.TB, base string) *DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvDSN, err)
	}
	admin, err := sql.Open("mysql", base)
	if err != nil {
		t.Fatalf("%s: %v", EnvDSN, err)
	}
	defer admin.Close()
	var b [6]byte
	rand.Read(b[:])
	name := "kos_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("creating test database on %s: %v", cfg.Addr, err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("mysql", base)
		if err != nil {
			return
		}
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE " + name); err != nil {
			t.Errorf("dropping test database %s: %v", name, err)
		}
	})
	cfg.DBName = name
	return open(t, &DB{DSN: cfg.FormatDSN(), Addr: cfg.Addr, Real: true})
}

func open(t testing.TB, db *DB) *DB {
	t.Helper()
	conn, err := sql.Open("mysql", db.DSN)
	if err != nil {
		t.Fatalf("opening %s: %v", db.Addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	db.SQL = conn
	return db
}

// Exec runs setup statements, failing the test on the first error.
func (db *DB) Exec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.SQL.Exec(s); err != nil {
			t.Fatalf("setup %q: %v", s, err)
		}
	}
}

// WithAddr returns the database's DSN pointing at another address (a proxy).
func (db *DB) WithAddr(addr string) string {
	cfg, err := mysql.ParseDSN(db.DSN)
	if err != nil {
		panic(fmt.Sprintf("own DSN unparsable: %v", err))
	}
	cfg.Addr = addr
	return cfg.FormatDSN()
}
