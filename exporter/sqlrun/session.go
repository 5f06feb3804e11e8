package sqlrun

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
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
// sees it and learns the server's flavor and thread id.
type sessionConnector struct{ driver.Connector }

// connectError marks a failure to open a session: dial, handshake, login
// or setup. database/sql returns it unchanged from DB.Conn, which tells it
// apart from the bare ctx.Err() of a wait for a free pool slot.
type connectError struct{ err error }

func (e *connectError) Error() string { return e.err.Error() }
func (e *connectError) Unwrap() error { return e.err }

func (c sessionConnector) Connect(ctx context.Context) (driver.Conn, error) {
	raw, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, &connectError{err}
	}
	dc, ok := raw.(driverConn)
	if !ok {
		raw.Close()
		return nil, &connectError{fmt.Errorf("MySQL driver connection %T lacks the context methods", raw)}
	}
	sc := &sessionConn{driverConn: dc}
	if err := sc.setup(ctx); err != nil {
		dc.Close()
		return nil, &connectError{err}
	}
	return sc, nil
}

// sessionConn is a read-only session whose server thread id is known, so
// a statement it runs can be killed from another session.
type sessionConn struct {
	driverConn
	flavor flavor
	thread uint64 // CONNECTION_ID()
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

// setup asks the server's version, thread id and client character set and
// makes the session read-only: MariaDB names the variable tx_read_only,
// MySQL 8 transaction_read_only. A read-only session refuses even DDL,
// which would otherwise commit its way out of a read-only transaction.
func (c *sessionConn) setup(ctx context.Context) error {
	rows, err := c.QueryContext(ctx, "SELECT VERSION(), CONNECTION_ID(), @@character_set_client", nil)
	if err != nil {
		return fmt.Errorf("asking the server version: %w", err)
	}
	dest := make([]driver.Value, 3)
	err = rows.Next(dest)
	rows.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("asking the server version: %w", err)
	}
	version, _ := dest[0].([]byte)
	c.flavor = flavorOf(string(version))
	if c.thread, err = threadID(dest[1]); err != nil {
		return fmt.Errorf("asking the connection id: %w", err)
	}
	// The DSN cannot choose another (ParseDSN), but the server can: its
	// init_connect, or skip-character-set-client-handshake with a big5
	// character_set_server.
	if cs, _ := dest[2].([]byte); !safeCharsets[strings.ToLower(string(cs))] {
		return fmt.Errorf("the session's character_set_client is %q: %s", cs, charsetWhy)
	}
	stmt := "SET SESSION transaction_read_only = 1"
	if c.flavor == flavorMariaDB {
		stmt = "SET SESSION tx_read_only = 1"
	}
	if _, err := c.ExecContext(ctx, stmt, nil); err != nil {
		return fmt.Errorf("making the session read-only: %w", err)
	}
	return nil
}

func threadID(v driver.Value) (uint64, error) {
	switch v := v.(type) {
	case int64:
		return uint64(v), nil
	case uint64:
		return v, nil
	case []byte:
		return strconv.ParseUint(string(v), 10, 64)
	}
	return 0, fmt.Errorf("unexpected CONNECTION_ID() value %T", v)
}

// bound returns the statement to send for query so that nothing the query
// does can lift its time limit or make it writable: a stored function may
// run SET SESSION max_statement_time=0 or tx_read_only=0, so nothing is
// trusted from an earlier run. MariaDB gets both per statement (SET
// STATEMENT restores the session values afterwards, no extra round trip);
// MySQL has no SET STATEMENT, so the session values are set again here,
// before the run's transaction. A limit of 0 would mean none, hence the
// floor of 1 ms.
func (c *sessionConn) bound(ctx context.Context, query string, timeout time.Duration) (string, error) {
	ms := max(timeout.Milliseconds(), 1)
	if c.flavor == flavorMariaDB {
		return fmt.Sprintf("SET STATEMENT max_statement_time=%d.%03d, tx_read_only=1 FOR %s", ms/1000, ms%1000, query), nil
	}
	stmt := fmt.Sprintf("SET SESSION max_execution_time = %d, SESSION transaction_read_only = 1", ms)
	if _, err := c.ExecContext(ctx, stmt, nil); err != nil {
		return "", err
	}
	return query, nil
}

// session is what a run needs to know about its connection.
type session struct {
	thread uint64
	query  string // the statement to send, bounded
	// readOnlyStatement: query makes itself read-only (MariaDB's SET
	// STATEMENT), so it needs no read-only transaction around it.
	readOnlyStatement bool
}

// bindSession prepares query on the session behind conn.
func bindSession(ctx context.Context, conn interface {
	Raw(func(any) error) error
}, query string, timeout time.Duration) (session, error) {
	var s session
	err := conn.Raw(func(dc any) error {
		sc, ok := dc.(*sessionConn)
		if !ok {
			return fmt.Errorf("connection %T was not opened by this package", dc)
		}
		s.thread = sc.thread
		s.readOnlyStatement = sc.flavor == flavorMariaDB
		var err error
		s.query, err = sc.bound(ctx, query, timeout)
		return err
	})
	return s, err
}

// discard closes the session behind conn and keeps database/sql from ever
// handing it out again.
func discard(conn interface {
	Raw(func(any) error) error
}) {
	conn.Raw(func(dc any) error {
		if c, ok := dc.(driver.Conn); ok {
			c.Close()
		}
		return driver.ErrBadConn
	})
}
