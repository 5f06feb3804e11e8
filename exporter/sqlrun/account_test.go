package sqlrun

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/exporter/result"
	"github.com/kos-ops/kos_exporter/internal/mysqltest"
)

// TestLeastPrivilegeAccount proves the README's account is enough: with
// SELECT on one schema and MAX_USER_CONNECTIONS, and no other privilege
// (no PROCESS, SUPER, FILE, EXECUTE), a run reads, a timed-out statement is
// killed and the kill confirmed (a user may kill and see its own threads),
// and the pool stays inside the account's connection limit.
func TestLeastPrivilegeAccount(t *testing.T) {
	db := mysqltest.New(t)
	if !db.Real {
		t.Skip("accounts and grants need a real MySQL/MariaDB (KOS_TEST_MYSQL_DSN); the in-process server has no privilege system")
	}
	admin, err := mysql.ParseDSN(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	user := fmt.Sprintf("kos_acct_%d", rand.Uint32())
	const password = "Xq7acctPW"
	db.Exec(t,
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s' WITH MAX_USER_CONNECTIONS 3", user, password),
		fmt.Sprintf("GRANT SELECT ON `%s`.* TO '%s'@'%%'", admin.DBName, user),
		"CREATE TABLE act (model VARCHAR(20), n INT)",
		"INSERT INTO act VALUES ('iphone17', 120), ('fold7', 7)",
	)
	t.Cleanup(func() { db.SQL.Exec(fmt.Sprintf("DROP USER IF EXISTS '%s'@'%%'", user)) })

	var grants []string
	rows, err := db.SQL.Query(fmt.Sprintf("SHOW GRANTS FOR '%s'@'%%'", user))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var g string
		rows.Scan(&g)
		grants = append(grants, g)
	}
	rows.Close()
	if len(grants) != 2 || !strings.HasPrefix(grants[0], "GRANT USAGE ON *.*") || !strings.HasPrefix(grants[1], "GRANT SELECT ON `"+admin.DBName+"`.*") {
		t.Fatalf("account has %q, want USAGE and SELECT on the schema only", grants)
	}

	acct := *admin
	acct.User, acct.Passwd = user, password
	tgt := openTarget(t, acct.FormatDSN())

	m, err := tgt.Run(context.Background(), gaugeCollector(t, "SELECT model, n FROM act", 2*time.Second))
	if err != nil {
		t.Fatalf("run with the least-privilege account: %v", err)
	}
	if m.Series != 2 {
		t.Errorf("%d series, want 2", m.Series)
	}

	_, err = tgt.Run(context.Background(), gaugeCollector(t, unlimitedSleep(db, "acct_kill", 30), time.Second))
	re := runErr(t, err)
	if re.Reason != result.ReasonTimeout {
		t.Errorf("reason %q (%v), want timeout", re.Reason, err)
	}
	if re.Kill == nil || !re.Kill.Confirmed || re.Kill.Err != nil {
		t.Fatalf("kill %+v without PROCESS or SUPER: want a confirmed kill of the account's own thread", re.Kill)
	}
	if n := running(t, db, "acct_kill"); n != 0 {
		t.Errorf("%d statements still running after a confirmed kill", n)
	}
	if strings.Contains(err.Error(), password) {
		t.Errorf("error shows the password: %v", err)
	}
}
