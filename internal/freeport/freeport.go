// Package freeport hands out loopback addresses for child processes to
// listen on.
//
// A port found by listening on ":0" and closing again is in Linux's
// ephemeral range (32768-60999), so an outgoing connection (a scrape, a
// notification) can take it before the child binds it: the "address
// already in use" flake. Ports here come from below that range, and one
// Ports never hands the same port out twice in a row of the range.
package freeport

import (
	"fmt"
	"net"
	"os"
	"sync/atomic"
)

const (
	first = 20000
	last  = 32000
)

// Ports is a cursor over the range; safe for concurrent use.
type Ports struct{ next atomic.Int32 }

// New starts at an offset taken from the process id, so that two processes
// using the package on one machine rarely meet.
func New() *Ports {
	p := &Ports{}
	p.next.Store(int32(first + os.Getpid()%(last-first)))
	return p
}

// Addr returns "127.0.0.1:port" for the next port in the range that
// nobody listens on now.
func (p *Ports) Addr() (string, error) {
	for range last - first {
		port := p.next.Add(1)
		if port > last {
			p.next.CompareAndSwap(port, first)
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		addr := l.Addr().String()
		l.Close()
		return addr, nil
	}
	return "", fmt.Errorf("no free loopback port in %d-%d", first, last)
}
