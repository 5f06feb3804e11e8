package sqlrun

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/result"
	"github.com/kos-ops/kos_exporter/internal/mysqltest"
)

// fakeServer listens on loopback and plays a MySQL server that answers
// every connection with an error packet instead of its handshake, as a
// server does when it refuses a client (1040 Too many connections) or
// with nothing at all when errCode is 0.
func fakeServer(t *testing.T, errCode uint16, msg string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if errCode == 0 { // accept, then never say a word
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
				continue
			}
			// ERR packet: 0xff, code, '#', SQL state, message; after the
			// 4-byte header (3-byte length, sequence 0).
			payload := append([]byte{0xff, 0, 0, '#'}, "08004"+msg...)
			binary.LittleEndian.PutUint16(payload[1:], errCode)
			packet := append([]byte{byte(len(payload)), byte(len(payload) >> 8), byte(len(payload) >> 16), 0}, payload...)
			c.Write(packet)
			c.Close()
		}
	}()
	return l.Addr().String()
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestRunConnectFailures: whatever fails while opening a session is
// reason connect and leaves the target down, whether the server refused
// (1040, 1044, 1045, 1226, 1698), nothing answered, or the name did not
// resolve; the ctx deadline passing during the handshake included.
func TestRunConnectFailures(t *testing.T) {
	db := mysqltest.New(t)
	const password = "s3cret-pw" // must never show in an error
	withPassword := func(addr string) string {
		cfg, err := mysql.ParseDSN(db.WithAddr(addr))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.User == "" {
			cfg.User = "kos"
		}
		cfg.Passwd = password // the test server's own user, a wrong password
		return cfg.FormatDSN()
	}
	// A label longer than 63 bytes is refused by the resolver itself, so
	// the DNS failure needs no DNS server and sends nothing off the box.
	unresolvable := strings.Repeat("x", 64) + ".invalid:3306"
	for _, tc := range []struct {
		name string
		dsn  string
		want string // in the error
		real bool   // needs a real server
	}{
		{"refused", withPassword(closedPort(t)), "connection refused", false},
		{"no handshake", withPassword(fakeServer(t, 0, "")), "", false},
		{"dns", withPassword(unresolvable), "no such host", false},
		{"1040 too many connections", withPassword(fakeServer(t, 1040, "Too many connections")), "Error 1040", false},
		{"1044 db access denied", withPassword(fakeServer(t, 1044, "Access denied for user 'kos'@'%' to database 'kos'")), "Error 1044", false},
		{"1045 access denied", withPassword(fakeServer(t, 1045, "Access denied for user 'kos'@'localhost'")), "Error 1045", false},
		{"1226 max_user_connections", withPassword(fakeServer(t, 1226, "User 'kos' has exceeded the 'max_user_connections' resource")), "Error 1226", false},
		{"1698 access denied without password", withPassword(fakeServer(t, 1698, "Access denied for user 'kos'@'localhost'")), "Error 1698", false},
		{"1045 wrong password on the server", withPassword(db.Addr), "Error 1045", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.real && !db.Real {
				t.Skipf("the in-process server accepts any password; case runs only against %s", mysqltest.EnvDSN)
			}
			tgt := openTarget(t, tc.dsn)
			_, err := tgt.Run(context.Background(), gaugeCollector(t, "SELECT 'x' AS model, 1 AS n", time.Second))
			re := runErr(t, err)
			t.Log(err)
			if re.Reason != result.ReasonConnect || re.Reached {
				t.Errorf("reason %q reached %v, want connect, not reached (%v)", re.Reason, re.Reached, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("error reveals the password: %v", err)
			}
			if re.Kill != nil {
				t.Errorf("a kill was attempted without a session: %v", re.Kill)
			}
		})
	}
}

// TestRunPoolWaitIsTimeout: a run that cannot get a connection because the
// pool is full in time is a timeout, not a connect failure.
func TestRunPoolWaitIsTimeout(t *testing.T) {
	db := mysqltest.New(t)
	tgt, err := Open(&config.Target{Name: "kos", DSN: config.Secret(db.DSN), MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	held, err := tgt.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	_, err = tgt.Run(context.Background(), gaugeCollector(t, "SELECT 'x' AS model, 1 AS n", time.Second))
	re := runErr(t, err)
	if re.Reason != result.ReasonTimeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("reason %q (%v), want timeout", re.Reason, err)
	}
	if !strings.Contains(err.Error(), "waiting for a free connection") {
		t.Errorf("error %q does not say it waited for the pool", err)
	}
}
