// Package sqlrun runs collectors' queries against MySQL safely and maps the
// rows to metrics. It is the only package that knows the MySQL driver.
package sqlrun

import (
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
	// slots admits one run per pool connection and is held until the
	// run's session is cleaned or its statement killed: runs beyond the
	// pool wait here, not in the pool, so a kill's connection never queues
	// behind them.
	slots    chan struct{}
	cleaning sync.WaitGroup // sessions being cleaned after a run
}

// Open prepares the pool; it does not connect (the first run does).
func Open(t *config.Target) (*Target, error) {
	cfg, err := ParseDSN(t.Name, t.DSN)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second // dial
	}
	cfg.MultiStatements = false
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("target %q: invalid dsn: %w", t.Name, driverError(err))
	}
	db := sql.OpenDB(sessionConnector{connector})
	db.SetMaxOpenConns(t.MaxOpenConns)
	db.SetMaxIdleConns(t.MaxOpenConns)
	// Recycle connections so a failover or restart is followed quickly.
	db.SetConnMaxLifetime(10 * time.Minute)
	return &Target{name: t.Name, db: db, slots: make(chan struct{}, t.MaxOpenConns)}, nil
}

// DB is the pool, for connection statistics.
func (t *Target) DB() *sql.DB { return t.db }

// Name is the target's name in the config.
func (t *Target) Name() string { return t.name }

// Close closes the pool's connections once they are idle, after the
// sessions of finished runs are cleaned. Call it once every Run has
// returned.
func (t *Target) Close() error {
	t.cleaning.Wait()
	return t.db.Close()
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
