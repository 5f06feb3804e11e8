package wireproxy

import (
	"io"
	"net"
	"testing"
	"time"
)

// packet frames a MySQL packet: 3-byte little-endian length, sequence, payload.
func packet(payload string) string {
	n := len(payload)
	return string([]byte{byte(n), byte(n >> 8), byte(n >> 16), 0}) + payload
}

func TestQueryRecorder(t *testing.T) {
	query := packet("\x03SELECT 1 /* a */")
	for _, tc := range []struct {
		name   string
		writes []string
		want   []string
	}{
		{"one query", []string{query}, []string{"SELECT 1 /* a */"}},
		{"split across writes", []string{query[:2], query[2:7], query[7:]}, []string{"SELECT 1 /* a */"}},
		{"two in one write", []string{query + packet("\x03SELECT 2")}, []string{"SELECT 1 /* a */", "SELECT 2"}},
		{"ping is not a query", []string{packet("\x0e"), query}, []string{"SELECT 1 /* a */"}},
		{"empty packet", []string{packet(""), query}, []string{"SELECT 1 /* a */"}},
		{"incomplete packet waits", []string{query[:len(query)-1]}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Proxy{}
			r := &queryRecorder{p: p}
			for _, w := range tc.writes {
				if n, err := r.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(w))
				}
			}
			if len(p.queries) != len(tc.want) {
				t.Fatalf("queries %q, want %q", p.queries, tc.want)
			}
			for i := range tc.want {
				if p.queries[i] != tc.want[i] {
					t.Errorf("query %d = %q, want %q", i, p.queries[i], tc.want[i])
				}
			}
		})
	}
}

// TestDownUp forwards to an echo server, cuts the connection, refuses new
// ones while down and forwards again after Up.
func TestDownUp(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	p, err := Start(echo.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	query := packet("\x03SELECT 1")
	roundTrip := func() (net.Conn, error) {
		c, err := net.Dial("tcp", p.Addr)
		if err != nil {
			return nil, err
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, query); err != nil {
			c.Close()
			return nil, err
		}
		buf := make([]byte, len(query))
		if _, err := io.ReadFull(c, buf); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}

	c, err := roundTrip()
	if err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	if got := p.Open(); got != 1 {
		t.Errorf("Open() = %d, want 1", got)
	}
	if got := p.Queries("SELECT 1"); got != 1 {
		t.Errorf("Queries(SELECT 1) = %d, want 1", got)
	}
	p.Down()
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("connection still open after Down")
	}
	c.Close()
	if c, err := roundTrip(); err == nil {
		c.Close()
		t.Error("a new connection was forwarded while down")
	}
	p.Up()
	c, err = roundTrip()
	if err != nil {
		t.Fatalf("after Up: %v", err)
	}
	c.Close()
	if got := p.Queries("SELECT 1"); got != 2 {
		t.Errorf("Queries(SELECT 1) = %d after Up, want 2", got)
	}
}
