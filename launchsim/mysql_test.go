package launchsim_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/launchsim"
	"github.com/kos-ops/kos_exporter/schema"
)

// smallTables may be scanned whole: a handful of reference rows.
var smallTables = []string{"ref_switch", "ref_model"}

// TestCollectorsOnMySQL loads kos.sql into a fresh database on the server
// named by KOS_TEST_MYSQL_DSN (CI: MariaDB), runs the simulator against it,
// runs every shipped collector and checks with EXPLAIN that none scans a
// whole table other than the reference tables.
func TestCollectorsOnMySQL(t *testing.T) {
	base := os.Getenv("KOS_TEST_MYSQL_DSN")
	if base == "" {
		t.Skip("KOS_TEST_MYSQL_DSN not set; the in-process server is covered by the other tests")
	}
	t.Parallel()
	db := freshMySQL(t, base)
	ctx := context.Background()
	if err := schema.Apply(ctx, db, schema.Full); err != nil {
		t.Fatal(err)
	}
	start, end := window(3 * time.Minute)
	c := &clock{now: start}
	// An hour's retention keeps finished rows around, as a real system would.
	sim, err := launchsim.New(ctx, db, launchsim.Options{Seed: 5, DailyActivations: testDaily, Retention: time.Hour, Now: c.Now,
		Schedule: []launchsim.Action{{Name: launchsim.KaitLag, On: true, At: time.Minute}}})
	if err != nil {
		t.Fatal(err)
	}
	(&run{sim: sim, clock: c, db: db}).stepTo(t, end)
	// ANALYZE so the optimizer judges on real row counts.
	for _, tbl := range []string{"activation", "mnp_request", "insurance_signup", "wait_queue", "ota_update", "error_queue"} {
		if _, err := db.ExecContext(ctx, "ANALYZE TABLE "+tbl); err != nil {
			t.Fatal(err)
		}
	}

	cs := loadCollectors(t)
	got := collect(t, db, cs)
	if got["kos_activations_total{channel=retail_store,kind=port_in,model=nova_x_pro,result=completed}"] == 0 {
		t.Error("no completed activations counted on MySQL")
	}
	for _, col := range cs {
		t.Run(col.Name, func(t *testing.T) {
			for _, row := range explain(t, db, col.SQL) {
				if slices.Contains(smallTables, row["table"]) {
					continue
				}
				if row["type"] == "ALL" || row["key"] == "" {
					t.Errorf("full scan of %s: %v", row["table"], row)
				}
			}
		})
	}
}

func explain(t *testing.T, db *sql.DB, q string) []map[string]string {
	t.Helper()
	rows, err := db.Query("EXPLAIN " + q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		r := map[string]string{}
		for i, c := range cols {
			r[c] = vals[i].String
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// freshMySQL creates a database of its own on the server and drops it when
// the test ends.
func freshMySQL(t *testing.T, base string) *sql.DB {
	t.Helper()
	admin := openDSN(t, base)
	var b [4]byte
	rand.Read(b[:])
	name := "kos_launchsim_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE " + name); err != nil {
			t.Errorf("dropping %s: %v", name, err)
		}
	})
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = name
	return openDSN(t, cfg.FormatDSN())
}
