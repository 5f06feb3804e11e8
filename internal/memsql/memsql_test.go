package memsql

import (
	"database/sql"
	"sync"
	"testing"

	_ "github.com/go-sql-driver/mysql"
)

func TestConcurrentServers(t *testing.T) {
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Start("127.0.0.1:0", "kos")
			if err != nil {
				t.Error(err)
				return
			}
			defer s.Close()
			db, err := sql.Open("mysql", s.DSN())
			if err != nil {
				t.Error(err)
				return
			}
			defer db.Close()
			if _, err := db.Exec("CREATE TABLE t (id INT PRIMARY KEY)"); err != nil {
				t.Error(err)
			}
			var n int
			if err := db.QueryRow("SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 0 {
				t.Errorf("count = %d, %v", n, err)
			}
		}()
	}
	wg.Wait()
}
