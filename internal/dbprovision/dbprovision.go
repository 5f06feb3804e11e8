// Package dbprovision reserves an empty MySQL-protocol database for one user
// (a test, the load check): a database of its own on an existing server, or
// an in-process server started for it. It does not import testing, so
// commands can use it; internal/mysqltest wraps it for tests.
package dbprovision

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/internal/memsql"
)

// Database is an empty database reserved until Close.
type Database struct {
	DSN  string // go-sql-driver DSN of the database
	Addr string // host:port of its server
	Real bool   // on an existing MySQL/MariaDB server, not the in-process one

	cfg   *mysql.Config
	close func() error
}

// New creates an empty database. With server set (a go-sql-driver DSN of an
// account that may create databases) it is named prefix plus a random
// suffix on that server; with server empty it is the database of a new
// in-process server.
func New(ctx context.Context, server, prefix string) (*Database, error) {
	if server == "" {
		srv, err := memsql.Start("127.0.0.1:0", "kos")
		if err != nil {
			return nil, fmt.Errorf("starting in-process MySQL server: %w", err)
		}
		cfg, err := mysql.ParseDSN(srv.DSN())
		if err != nil {
			srv.Close()
			return nil, fmt.Errorf("in-process server DSN: %w", err)
		}
		return &Database{DSN: srv.DSN(), Addr: srv.Addr, cfg: cfg, close: srv.Close}, nil
	}
	cfg, err := mysql.ParseDSN(server)
	if err != nil {
		// The driver's message can quote parts of the DSN, password included.
		return nil, errors.New("server DSN is not a valid go-sql-driver DSN (user:password@tcp(host:port)/database)")
	}
	var b [6]byte
	rand.Read(b[:])
	name := prefix + hex.EncodeToString(b[:])
	if err := adminExec(ctx, server, "CREATE DATABASE "+name); err != nil {
		return nil, fmt.Errorf("creating database %s on %s: %w", name, cfg.Addr, err)
	}
	cfg.DBName = name
	drop := func() error {
		// Close runs when the caller's context may be gone.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := adminExec(ctx, server, "DROP DATABASE "+name); err != nil {
			return fmt.Errorf("dropping database %s on %s: %w", name, cfg.Addr, err)
		}
		return nil
	}
	return &Database{DSN: cfg.FormatDSN(), Addr: cfg.Addr, Real: true, cfg: cfg, close: drop}, nil
}

// adminExec runs one statement on a connection of its own, so a Database
// holds no connection while it is in use.
func adminExec(ctx context.Context, dsn, stmt string) error {
	admin, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer admin.Close()
	_, err = admin.ExecContext(ctx, stmt)
	return err
}

// Close drops the database, or stops the in-process server.
func (d *Database) Close() error { return d.close() }

// WithAddr returns the database's DSN with another server address, such as
// a proxy's in front of it.
func (d *Database) WithAddr(addr string) string {
	cfg := d.cfg.Clone()
	cfg.Addr = addr
	return cfg.FormatDSN()
}
