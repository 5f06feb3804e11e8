// Package memsql runs an in-process MySQL-protocol server backed by memory
// (go-mysql-server), so the simulator and the tests need no database install.
package memsql

import (
	"fmt"
	"net"
	"sync"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/server"
	gsql "github.com/dolthub/go-mysql-server/sql"
	"github.com/sirupsen/logrus"
)

// Server is a running in-memory MySQL-protocol server with one database.
type Server struct {
	Addr     string // host:port it listens on
	Database string
	srv      *server.Server
	done     chan error
}

// engineInit serialises engine construction: go-mysql-server initialises
// package-level status variables there without a lock.
var engineInit sync.Mutex

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves an
// empty database named dbName. User root, no password.
func Start(addr, dbName string) (*Server, error) {
	// go-mysql-server logs every connection through logrus at info level.
	logrus.SetLevel(logrus.WarnLevel)

	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("memsql: listen on %s: %w", addr, err)
	}
	db := memory.NewDatabase(dbName)
	db.EnablePrimaryKeyIndexes()
	pro := memory.NewDBProvider(db)
	engineInit.Lock()
	engine := sqle.NewDefault(pro)
	engineInit.Unlock()
	srv, err := server.NewServer(server.Config{Protocol: "tcp", Listener: l}, engine, gsql.NewContext, memory.NewSessionBuilder(pro), nil)
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("memsql: new server: %w", err)
	}
	s := &Server{Addr: l.Addr().String(), Database: dbName, srv: srv, done: make(chan error, 1)}
	go func() { s.done <- srv.Start() }()
	return s, nil
}

// DSN is a go-sql-driver/mysql DSN for this server's database.
func (s *Server) DSN() string {
	return fmt.Sprintf("root@tcp(%s)/%s", s.Addr, s.Database)
}

// Close stops listening and drops open connections.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	return err
}
