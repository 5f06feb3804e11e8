package sqlrun

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/result"
	"github.com/kos-ops/kos_exporter/internal/mysqltest"
)

// unlimitedSleep is a statement only a kill stops once the client gives
// up: on MariaDB it lifts its own max_statement_time (what the config
// guard refuses, but the runtime must survive), and the in-process server
// enforces no limit at all.
func unlimitedSleep(db *mysqltest.DB, marker string, seconds int) string {
	q := fmt.Sprintf("SELECT '%s' AS model, SLEEP(%d) AS n", marker, seconds)
	if db.Real {
		q = "SET STATEMENT max_statement_time=0 FOR " + q
	}
	return q
}

// running counts the statements containing marker that the server still
// runs, as another session sees them.
func running(t *testing.T, db *mysqltest.DB, marker string) int {
	t.Helper()
	n, err := countRunning(db, marker)
	if err != nil {
		t.Fatalf("processlist: %v", err)
	}
	return n
}

// countRunning is running for goroutines other than the test's.
func countRunning(db *mysqltest.DB, marker string) (int, error) {
	var n int
	q := "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND <> 'Sleep' AND INFO LIKE '%" + marker + "%' AND INFO NOT LIKE '%PROCESSLIST%'"
	err := db.SQL.QueryRow(q).Scan(&n)
	return n, err
}

func TestRunKillsOnDeadline(t *testing.T) {
	db := mysqltest.New(t)
	tgt := openTarget(t, db.DSN)
	_, err := tgt.Run(context.Background(), gaugeCollector(t, unlimitedSleep(db, "kill_on_deadline", 30), time.Second))
	re := runErr(t, err)
	t.Log(err)
	if re.Reason != result.ReasonTimeout || !re.Reached {
		t.Errorf("reason %q reached %v, want timeout, reached", re.Reason, re.Reached)
	}
	if re.Kill == nil || !re.Kill.Confirmed || re.Kill.Err != nil || re.Kill.Thread == 0 {
		t.Fatalf("kill %+v, want a confirmed kill of the session's thread", re.Kill)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("killed on the server (thread %d), confirmed ended", re.Kill.Thread)) {
		t.Errorf("error %q does not report the kill", err)
	}
	// Confirmed means gone: nothing of it is left on the server now.
	if n := running(t, db, "kill_on_deadline"); n != 0 {
		t.Errorf("%d statements still running after a confirmed kill", n)
	}
}

// TestRunKillsOnCancel: a run stopped by a reload or shutdown leaves
// nothing running either.
func TestRunKillsOnCancel(t *testing.T) {
	db := mysqltest.New(t)
	tgt := openTarget(t, db.DSN)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer cancel()
		for {
			n, err := countRunning(db, "kill_on_cancel")
			if err != nil {
				t.Errorf("processlist: %v", err)
				return
			}
			if n > 0 {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	_, err := tgt.Run(ctx, gaugeCollector(t, unlimitedSleep(db, "kill_on_cancel", 30), 30*time.Second))
	re := runErr(t, err)
	if re.Kill == nil || !re.Kill.Confirmed {
		t.Fatalf("kill %+v (%v), want confirmed", re.Kill, err)
	}
	if n := running(t, db, "kill_on_cancel"); n != 0 {
		t.Errorf("%d statements still running after a confirmed kill", n)
	}
}

// TestKillSparesOtherRuns: the kill can only hit the timed-out statement.
// Its session is discarded before the kill, so no later run is ever on its
// thread, and a run busy on another connection of the pool at that moment
// completes untouched.
func TestKillSparesOtherRuns(t *testing.T) {
	db := mysqltest.New(t)
	tgt, err := Open(&config.Target{Name: "kos", DSN: config.Secret(db.DSN), MaxOpenConns: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()

	type outcome struct {
		m   *result.Result
		err error
	}
	other := make(chan outcome, 1)
	go func() {
		m, err := tgt.Run(context.Background(), gaugeCollector(t, "SELECT 'bystander' AS model, SLEEP(2) AS n", 10*time.Second))
		other <- outcome{m, err}
	}()
	for running(t, db, "bystander") == 0 {
		time.Sleep(10 * time.Millisecond)
	}

	_, err = tgt.Run(context.Background(), gaugeCollector(t, unlimitedSleep(db, "victim", 30), time.Second))
	re := runErr(t, err)
	if re.Kill == nil || !re.Kill.Confirmed {
		t.Fatalf("timed-out run: kill %+v (%v), want confirmed", re.Kill, err)
	}

	got := <-other
	if got.err != nil {
		t.Fatalf("the bystander run failed: %v", got.err)
	}
	// SLEEP returns 0 when it ran its course, 1 when interrupted.
	if v := got.m.Families[0].Metrics[0].GetGauge().GetValue(); v != 0 {
		t.Errorf("bystander SLEEP returned %v: it was interrupted", v)
	}

	threads := gaugeCollector(t, "SELECT 'x' AS model, CONNECTION_ID() AS n", 5*time.Second)
	for i := range 5 {
		m, err := tgt.Run(context.Background(), threads)
		if err != nil {
			t.Fatal(err)
		}
		if id := uint64(m.Families[0].Metrics[0].GetGauge().GetValue()); id == re.Kill.Thread {
			t.Errorf("run %d is on thread %d, the killed session's", i, id)
		}
	}
}

func TestKillOutcomes(t *testing.T) {
	db := mysqltest.New(t)
	t.Run("thread already gone", func(t *testing.T) {
		tgt := openTarget(t, db.DSN)
		k := tgt.kill(context.Background(), 4_000_000_000)
		if !k.Confirmed || k.Err != nil {
			t.Errorf("kill of an ended thread: %+v, want confirmed", k)
		}
	})
	t.Run("server unreachable", func(t *testing.T) {
		proxy := mysqltest.NewProxy(t, db.Addr)
		tgt := openTarget(t, db.WithAddr(proxy.Addr))
		proxy.Down()
		k := tgt.kill(context.Background(), 42)
		if k.Confirmed || k.Err == nil {
			t.Fatalf("kill without a server: %+v, want a failure", k)
		}
		if s := k.String(); !strings.Contains(s, "killing it on the server (thread 42) failed: taking a connection") {
			t.Errorf("outcome %q", s)
		}
	})
	t.Run("expired run context", func(t *testing.T) {
		tgt := openTarget(t, db.DSN)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		// The kill has its own time limit: the run's has passed by then.
		if k := tgt.kill(ctx, 4_000_000_000); !k.Confirmed {
			t.Errorf("kill under an expired context: %+v", k)
		}
	})
}

// TestKillNotQueuedBehindWaitingRuns: runs waiting for a connection of a
// full pool must not take the slot a timed-out run frees before its kill
// does; the kill would wait behind them and go unconfirmed.
func TestKillNotQueuedBehindWaitingRuns(t *testing.T) {
	db := mysqltest.New(t)
	tgt, err := Open(&config.Target{Name: "kos", DSN: config.Secret(db.DSN), MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()

	victim := make(chan error, 1)
	go func() {
		_, err := tgt.Run(context.Background(), gaugeCollector(t, unlimitedSleep(db, "queued_victim", 30), time.Second))
		victim <- err
	}()
	for running(t, db, "queued_victim") == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	waiters := make(chan error, 2)
	for range cap(waiters) {
		go func() {
			_, err := tgt.Run(context.Background(), gaugeCollector(t, "SELECT 'queued_waiter' AS model, SLEEP(2) AS n", 30*time.Second))
			waiters <- err
		}()
	}
	re := runErr(t, <-victim)
	if re.Kill == nil || !re.Kill.Confirmed || re.Kill.Err != nil {
		t.Errorf("kill %+v, want confirmed although runs were waiting for the pool", re.Kill)
	}
	for range cap(waiters) {
		if err := <-waiters; err != nil {
			t.Errorf("waiting run: %v", err)
		}
	}
}
