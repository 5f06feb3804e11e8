// Package mysqltest gives tests a MySQL-protocol database: a fresh database
// on the server named by KOS_TEST_MYSQL_DSN when it is set (CI sets it to a
// real MariaDB), else the in-process server. The same test code runs on both.
// It wraps internal/dbprovision and internal/wireproxy, which commands use
// without the testing package.
package mysqltest

import (
	"context"
	"database/sql"
	"os"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/internal/dbprovision"
	"github.com/kos-ops/kos_exporter/internal/wireproxy"
)

// EnvDSN names the variable that selects a real server.
const EnvDSN = "KOS_TEST_MYSQL_DSN"

// DB is a database reserved for one test.
type DB struct {
	DSN  string  // go-sql-driver DSN of the test's database
	Addr string  // host:port of the server
	Real bool    // a real MySQL/MariaDB, not the in-process server
	SQL  *sql.DB // admin connection for setting up fixtures

	provisioned *dbprovision.Database
}

// New returns an empty database, dropped or stopped when the test ends.
func New(t testing.TB) *DB {
	t.Helper()
	d, err := dbprovision.New(context.Background(), os.Getenv(EnvDSN), "kos_test_")
	if err != nil {
		t.Fatalf("%s: %v", EnvDSN, err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("test database: %v", err)
		}
	})
	db := &DB{DSN: d.DSN, Addr: d.Addr, Real: d.Real, provisioned: d}
	db.SQL = db.open(t, false)
	return db
}

// WithAddr returns the database's DSN pointing at another address (a proxy).
func (db *DB) WithAddr(addr string) string { return db.provisioned.WithAddr(addr) }

// OpenInterpolated returns another pool on the database that sends
// statement arguments inline, as kos_launchsim's does.
func (db *DB) OpenInterpolated(t testing.TB) *sql.DB {
	t.Helper()
	return db.open(t, true)
}

func (db *DB) open(t testing.TB, interpolate bool) *sql.DB {
	t.Helper()
	cfg, err := mysql.ParseDSN(db.DSN)
	if err != nil {
		t.Fatalf("test database DSN: %v", err)
	}
	cfg.InterpolateParams = interpolate
	conn, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("opening %s: %v", db.Addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
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

// NewProxy starts a wire proxy to backend, stopped when the test ends.
func NewProxy(t testing.TB, backend string) *wireproxy.Proxy {
	t.Helper()
	p, err := wireproxy.Start(backend)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}
