package dbprovision_test

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/internal/dbprovision"
)

// TestNew provisions on KOS_TEST_MYSQL_DSN when set, else in process: the
// DSN names the new database, which is usable and gone after Close.
func TestNew(t *testing.T) {
	server := os.Getenv("KOS_TEST_MYSQL_DSN")
	ctx := context.Background()
	d, err := dbprovision.New(ctx, server, "kos_dbprovision_test_")
	if err != nil {
		t.Fatal(err)
	}
	if d.Real != (server != "") {
		t.Errorf("Real = %v with server %q", d.Real, server)
	}
	cfg, err := mysql.ParseDSN(d.DSN)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != d.Addr {
		t.Errorf("DSN address %s, Addr %s", cfg.Addr, d.Addr)
	}
	if d.Real && !strings.HasPrefix(cfg.DBName, "kos_dbprovision_test_") {
		t.Errorf("database %q lacks the prefix", cfg.DBName)
	}
	db, err := sql.Open("mysql", d.DSN)
	if err != nil {
		t.Fatal(err)
	}
	var name string
	if err := db.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != cfg.DBName {
		t.Errorf("connected to database %q, want %q", name, cfg.DBName)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if got, want := d.WithAddr("127.0.0.1:1"), strings.Replace(d.DSN, d.Addr, "127.0.0.1:1", 1); got != want {
		t.Errorf("WithAddr = %q, want %q", got, want)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if !d.Real {
		return
	}
	admin, err := sql.Open("mysql", server)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var n int
	if err := admin.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", cfg.DBName).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still there after Close", cfg.DBName)
	}
}

func TestNewErrors(t *testing.T) {
	for _, tc := range []struct {
		name, server, want string
	}{
		{"unparsable DSN", "kos:s3cret@tcp(127.0.0.1:3306", "not a valid go-sql-driver DSN"},
		{"no server", "kos:s3cret@tcp(127.0.0.1:1)/", "creating database kos_x_"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dbprovision.New(context.Background(), tc.server, "kos_x_")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error quotes the password: %v", err)
			}
		})
	}
}
