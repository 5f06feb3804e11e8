package sqlrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
)

// killTimeout bounds a kill and its confirmation. It is the kill's own: the
// run's context has expired by then.
const killTimeout = 2 * time.Second

// Kill is the outcome of killing a timed-out statement on the server.
type Kill struct {
	Thread    uint64 // server thread (CONNECTION_ID()) of the timed-out session
	Confirmed bool   // the processlist shows the thread no longer runs a statement
	Err       error  // why the kill or its confirmation failed
}

func (k *Kill) String() string {
	switch {
	case k.Confirmed:
		return fmt.Sprintf("killed on the server (thread %d), confirmed ended", k.Thread)
	case k.Err != nil:
		return fmt.Sprintf("killing it on the server (thread %d) failed: %v", k.Thread, k.Err)
	}
	return fmt.Sprintf("killed on the server (thread %d), not confirmed", k.Thread)
}

// kill stops the statement of a discarded session's thread with KILL QUERY
// on another connection of the pool, so it counts inside max_open_conns,
// then polls the processlist until the thread runs nothing.
func (t *Target) kill(ctx context.Context, thread uint64) *Kill {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), killTimeout)
	defer cancel()
	k := &Kill{Thread: thread}
	conn, err := t.db.Conn(ctx)
	if err != nil {
		k.Err = fmt.Errorf("taking a connection: %w", err)
		return k
	}
	defer conn.Close()
	// An integer, so formatting it into the statement is safe; a parameter
	// would cost a prepared statement.
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("KILL QUERY %d", thread)); err != nil {
		var myErr *mysql.MySQLError
		if errors.As(err, &myErr) && myErr.Number == errUnknownThread {
			k.Confirmed = true // ended before the kill
			return k
		}
		k.Err = fmt.Errorf("KILL QUERY: %w", err)
		return k
	}
	probe := fmt.Sprintf("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %d AND COMMAND <> 'Sleep'", thread)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		var running int
		if err := conn.QueryRowContext(ctx, probe).Scan(&running); err != nil {
			k.Err = fmt.Errorf("confirming in the processlist: %w", err)
			return k
		}
		if running == 0 {
			k.Confirmed = true
			return k
		}
		select {
		case <-ctx.Done():
			k.Err = fmt.Errorf("still running %v after KILL QUERY", killTimeout)
			return k
		case <-time.After(wait):
		}
	}
}
