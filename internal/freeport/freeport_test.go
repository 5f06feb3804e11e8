package freeport

import (
	"net"
	"strconv"
	"sync"
	"testing"
)

func TestAddrDistinctOutsideEphemeralRange(t *testing.T) {
	p := New()
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				addr, err := p.Addr()
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[addr] {
					t.Errorf("%s handed out twice", addr)
				}
				seen[addr] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for addr := range seen {
		host, port, _ := net.SplitHostPort(addr)
		n, _ := strconv.Atoi(port)
		if host != "127.0.0.1" || n < first || n > last {
			t.Errorf("%s: want 127.0.0.1 and a port in %d-%d", addr, first, last)
		}
	}
}

func TestAddrSkipsBusyPort(t *testing.T) {
	p := New()
	busy, err := p.Addr()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", busy)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// Wind the cursor back so the busy port comes up again.
	_, port, _ := net.SplitHostPort(busy)
	n, _ := strconv.Atoi(port)
	p.next.Store(int32(n - 1))
	got, err := p.Addr()
	if err != nil {
		t.Fatal(err)
	}
	if got == busy {
		t.Errorf("handed out %s while it is listened on", busy)
	}
}
