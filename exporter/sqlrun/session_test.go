package sqlrun

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/internal/mysqltest"
)

// A session whose client character set the SQL check cannot read as the
// server does is refused when it connects, whoever chose the set: ParseDSN
// refuses it in the DSN, but the server's init_connect or its default (with
// skip-character-set-client-handshake) can choose it too. The DSN's SET
// stands in for the server here.
func TestSessionRefusesUnsafeClientCharset(t *testing.T) {
	db := mysqltest.New(t)
	for _, tc := range []struct {
		charset string
		refused bool
	}{
		{"big5", true},
		{"sjis", true},
		{"utf8mb4", false},
		{"latin1", false},
	} {
		t.Run(tc.charset, func(t *testing.T) {
			cfg, err := mysql.ParseDSN(db.DSN)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Params = map[string]string{"character_set_client": tc.charset}
			connector, err := mysql.NewConnector(cfg)
			if err != nil {
				t.Fatal(err)
			}
			pool := sql.OpenDB(sessionConnector{connector})
			defer pool.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			conn, err := pool.Conn(ctx)
			if !tc.refused {
				if err != nil {
					t.Fatalf("session with character_set_client %s: %v", tc.charset, err)
				}
				conn.Close()
				return
			}
			if err == nil {
				conn.Close()
				t.Fatalf("session with character_set_client %s was accepted", tc.charset)
			}
			want := `the session's character_set_client is "` + tc.charset + `"`
			if !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v, want it to contain %q", err, want)
			}
			if re := connectFailure(err); re.Reason != "connect" {
				t.Errorf("reason %q, want connect", re.Reason)
			}
		})
	}
}
