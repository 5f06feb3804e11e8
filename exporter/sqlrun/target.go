// Package sqlrun runs collectors' queries against MySQL safely and maps the
// rows to metrics. It is the only package that knows the MySQL driver.
package sqlrun

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/exporter/config"
)

// Target is a bounded connection pool to one database server.
type Target struct {
	name string
	db   *sql.DB

	mu      sync.Mutex
	dialect flavor
}

// Open prepares the pool; it does not connect (the first run does).
func Open(t *config.Target) (*Target, error) {
	cfg, err := mysql.ParseDSN(string(t.DSN))
	if err != nil {
		// The driver's parse errors name the faulty part, never the password.
		return nil, fmt.Errorf("target %q: invalid dsn: %w", t.Name, err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second // dial
	}
	cfg.MultiStatements = false
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("target %q: %w", t.Name, err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(t.MaxOpenConns)
	db.SetMaxIdleConns(t.MaxOpenConns)
	// Recycle connections so a failover or restart is followed quickly.
	db.SetConnMaxLifetime(10 * time.Minute)
	return &Target{name: t.Name, db: db}, nil
}

// RedactDSN returns dsn with its password replaced, for logs and pages.
func RedactDSN(dsn string) string {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "<unparsable dsn>"
	}
	if cfg.Passwd != "" {
		cfg.Passwd = "xxxxx"
	}
	return cfg.FormatDSN()
}

// DB is the pool, for connection statistics.
func (t *Target) DB() *sql.DB { return t.db }

// Name is the target's name in the config.
func (t *Target) Name() string { return t.name }

// Close closes the pool's connections once they are idle.
func (t *Target) Close() error { return t.db.Close() }

// flavor is the SQL dialect of a server, found at the first connection.
type flavor int

const (
	flavorUnknown flavor = iota
	flavorMySQL
	flavorMariaDB
)

func flavorOf(version string) flavor {
	if strings.Contains(strings.ToLower(version), "mariadb") {
		return flavorMariaDB
	}
	return flavorMySQL
}

// sessionSQL makes the session read-only (so even DDL, which implicitly
// commits out of a read-only transaction, is refused) and bounds each
// statement's time on the server, so a query abandoned by the client does
// not keep running. MariaDB names these tx_read_only and max_statement_time
// (seconds); MySQL 8 transaction_read_only and max_execution_time (ms).
func sessionSQL(f flavor, timeout time.Duration) string {
	if f == flavorMariaDB {
		return fmt.Sprintf("SET SESSION tx_read_only = 1, max_statement_time = %.3f", timeout.Seconds())
	}
	return fmt.Sprintf("SET SESSION transaction_read_only = 1, max_execution_time = %d", timeout.Milliseconds())
}

// flavor returns the server's dialect, asking the server once.
func (t *Target) flavor(ctx context.Context, conn *sql.Conn) (flavor, error) {
	t.mu.Lock()
	f := t.dialect
	t.mu.Unlock()
	if f != flavorUnknown {
		return f, nil
	}
	var version string
	if err := conn.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return flavorUnknown, err
	}
	f = flavorOf(version)
	t.mu.Lock()
	t.dialect = f
	t.mu.Unlock()
	return f, nil
}

// RouteDriverLog sends the MySQL driver's own messages (dropped connections
// and the like, printed to stderr by default) to logger at debug level. The
// driver keeps one logger per process, so only the command calls this.
func RouteDriverLog(logger *slog.Logger) {
	mysql.SetLogger(driverLog{logger})
}

type driverLog struct{ logger *slog.Logger }

func (d driverLog) Print(v ...any) {
	d.logger.Debug("MySQL driver", "msg", strings.TrimSpace(fmt.Sprint(v...)))
}
