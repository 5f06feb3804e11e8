package sqlrun

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// driverConn is what the MySQL driver's connections implement. The wrapper
// keeps all of it: without the context methods database/sql would fall back
// to slower paths.
type driverConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// sessionConnector makes every new session read-only before database/sql
// sees it, so no statement on a pooled connection can ever write, and a run
// pays no round trip for it.
type sessionConnector struct{ driver.Connector }

func (c sessionConnector) Connect(ctx context.Context) (driver.Conn, error) {
	raw, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	dc, ok := raw.(driverConn)
	if !ok {
		raw.Close()
		return nil, fmt.Errorf("MySQL driver connection %T lacks the context methods", raw)
	}
	sc := &sessionConn{driverConn: dc}
	if err := sc.setup(ctx); err != nil {
		dc.Close()
		return nil, err
	}
	return sc, nil
}

// sessionConn is a read-only session that remembers its statement time
// limit, so a run sets the limit only when it differs.
type sessionConn struct {
	driverConn
	flavor  flavor
	timeout time.Duration
}

// flavor is the SQL dialect of a server.
type flavor int

const (
	flavorMySQL flavor = iota
	flavorMariaDB
)

func flavorOf(version string) flavor {
	if strings.Contains(strings.ToLower(version), "mariadb") {
		return flavorMariaDB
	}
	return flavorMySQL
}

// setup asks the server's version and makes the session read-only: MariaDB
// names the variable tx_read_only, MySQL 8 transaction_read_only. A
// read-only session refuses even DDL, which would otherwise commit its way
// out of a read-only transaction.
func (c *sessionConn) setup(ctx context.Context) error {
	rows, err := c.QueryContext(ctx, "SELECT VERSION()", nil)
	if err != nil {
		return fmt.Errorf("asking the server version: %w", err)
	}
	dest := make([]driver.Value, 1)
	err = rows.Next(dest)
	rows.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("asking the server version: %w", err)
	}
	version, _ := dest[0].([]byte)
	c.flavor = flavorOf(string(version))
	stmt := "SET SESSION transaction_read_only = 1"
	if c.flavor == flavorMariaDB {
		stmt = "SET SESSION tx_read_only = 1"
	}
	if _, err := c.ExecContext(ctx, stmt, nil); err != nil {
		return fmt.Errorf("making the session read-only: %w", err)
	}
	return nil
}

// limit bounds each statement's time on the server, so a query abandoned
// by the client does not keep running: max_statement_time (seconds) on
// MariaDB, max_execution_time (milliseconds) on MySQL.
func (c *sessionConn) limit(ctx context.Context, timeout time.Duration) error {
	if c.timeout == timeout {
		return nil
	}
	stmt := fmt.Sprintf("SET SESSION max_execution_time = %d", timeout.Milliseconds())
	if c.flavor == flavorMariaDB {
		stmt = fmt.Sprintf("SET SESSION max_statement_time = %.3f", timeout.Seconds())
	}
	if _, err := c.ExecContext(ctx, stmt, nil); err != nil {
		return err
	}
	c.timeout = timeout
	return nil
}

// limitSession applies timeout to the session behind conn.
func limitSession(ctx context.Context, conn interface {
	Raw(func(any) error) error
}, timeout time.Duration) error {
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*sessionConn)
		if !ok {
			return fmt.Errorf("connection %T was not opened by this package", dc)
		}
		return sc.limit(ctx, timeout)
	})
}
