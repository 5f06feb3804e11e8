package launchsim_test

import (
	"context"
	"database/sql"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/internal/mysqltest"
	"github.com/kos-ops/kos_exporter/internal/sqlrows"
	"github.com/kos-ops/kos_exporter/launchsim"
	"github.com/kos-ops/kos_exporter/schema"
)

// smallTables may be scanned whole: a handful of reference rows.
var smallTables = []string{"ref_switch", "ref_model", "ref_model_plan"}

// TestCollectorsOnMySQL loads kos.sql into a fresh database on the server
// named by KOS_TEST_MYSQL_DSN (CI: MariaDB), runs the simulator against it,
// runs every shipped collector and checks with EXPLAIN that none scans a
// whole table other than the reference tables.
func TestCollectorsOnMySQL(t *testing.T) {
	if os.Getenv(mysqltest.EnvDSN) == "" {
		t.Skip(mysqltest.EnvDSN + " not set; the in-process server is covered by the other tests")
	}
	t.Parallel()
	db := openDB(t)
	ctx := context.Background()
	if err := schema.Apply(ctx, db, schema.Full); err != nil {
		t.Fatal(err)
	}
	// A server whose default character set is latin1 (a fresh MariaDB's)
	// gives the reference table latin1 keys; the switches collector mixes
	// them with Korean screen names and must still run.
	if _, err := db.ExecContext(ctx, "ALTER TABLE ref_switch CONVERT TO CHARACTER SET latin1"); err != nil {
		t.Fatal(err)
	}
	start, end := window(3 * time.Minute)
	c := &clock{now: start}
	// An hour's retention keeps finished rows around, as a real system would.
	sim, err := launchsim.New(ctx, db, launchsim.Options{Seed: 5, Plan: testPlan(), Retention: time.Hour, Now: c.Now,
		Schedule: []launchsim.Action{{Name: launchsim.KaitLag, On: true, At: time.Minute}, {Switch: true, Name: launchsim.SwitchKaitSkip, On: true, At: 2 * time.Minute}}})
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
	if total(got.byMetric()["kos_insurance_precheck_skipped_total"]) == 0 || got["kos_insurance_postcheck_pending{}"] == 0 {
		t.Error("switch on under KAIT lag: no skipped sign-ups or post-check backlog counted on MySQL")
	}
	if !slices.ContainsFunc(slices.Collect(maps.Keys(got)), func(k string) bool { return strings.Contains(k, "screen=KAIT보험 사전체크 SKIP") }) {
		t.Error("switches: no series with the KAIT pre-check screen name on a latin1 ref_switch")
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

// explain returns EXPLAIN's rows as column → value, NULL as "".
func explain(t *testing.T, db *sql.DB, q string) []map[string]string {
	t.Helper()
	rows, err := sqlrows.Maps(context.Background(), db, "EXPLAIN "+q)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", q, err)
	}
	return rows
}
