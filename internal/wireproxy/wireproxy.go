// Package wireproxy forwards TCP connections to a MySQL-protocol server,
// cuts them on demand and counts the queries it sees on the wire: tests, the
// load check and the end-to-end harness use it to play a database that goes
// down and to count what the exporter really asked.
package wireproxy

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
)

// Proxy forwards TCP connections to a database and can cut them, to play a
// database that goes down or restarts under a running client.
type Proxy struct {
	Addr    string
	backend string
	l       net.Listener

	mu      sync.Mutex
	down    bool
	conns   map[net.Conn]struct{}
	queries []string // COM_QUERY texts seen, in order
	wg      sync.WaitGroup
}

// Start listens on a free loopback port and forwards to backend until
// Close.
func Start(backend string) (*Proxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("proxy listen: %w", err)
	}
	p := &Proxy{Addr: l.Addr().String(), backend: backend, l: l, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Down closes every open connection and refuses new ones until Up.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
}

// Up accepts connections again.
func (p *Proxy) Up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// Open returns how many client connections are currently forwarded.
func (p *Proxy) Open() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns) / 2
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			client.Close()
			continue
		}
		server, err := net.Dial("tcp", p.backend)
		if err != nil {
			client.Close()
			continue
		}
		p.track(client, server)
		p.wg.Add(2)
		go p.pipe(server, io.TeeReader(client, &queryRecorder{p: p}), client)
		go p.pipe(client, server, server)
	}
}

func (p *Proxy) track(conns ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
}

func (p *Proxy) pipe(dst net.Conn, r io.Reader, src net.Conn) {
	defer p.wg.Done()
	io.Copy(dst, r)
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// Close stops accepting, cuts every connection and waits for the copiers.
func (p *Proxy) Close() {
	p.l.Close()
	p.Down()
	p.wg.Wait()
}

// Queries returns how many COM_QUERY packets whose text contains substr
// went through the proxy: what the database was asked, counted on the wire.
func (p *Proxy) Queries(substr string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, q := range p.queries {
		if strings.Contains(q, substr) {
			n++
		}
	}
	return n
}

// queryRecorder parses the client→server stream of one connection into
// MySQL packets (3-byte little-endian length, sequence byte, payload).
type queryRecorder struct {
	p   *Proxy
	buf []byte
}

const comQuery = 0x03

func (r *queryRecorder) Write(b []byte) (int, error) {
	r.buf = append(r.buf, b...)
	for len(r.buf) >= 4 {
		n := int(r.buf[0]) | int(r.buf[1])<<8 | int(r.buf[2])<<16
		if len(r.buf) < 4+n {
			break
		}
		payload := r.buf[4 : 4+n]
		if n > 0 && payload[0] == comQuery {
			r.p.mu.Lock()
			r.p.queries = append(r.p.queries, string(payload[1:]))
			r.p.mu.Unlock()
		}
		r.buf = r.buf[4+n:]
	}
	return len(b), nil
}
