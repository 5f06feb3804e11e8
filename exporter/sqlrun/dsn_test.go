package sqlrun

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/internal/mysqltest"
)

// sentinel is a password no message may show, nor any part of it.
const sentinel = "Xq7SENTINELpw"

// leaks reports the part of the sentinel that text shows, if any.
func leaks(text string) string {
	for _, part := range []string{sentinel, "Xq7SENT", "SENTINEL", "NELpw", "kos:Xq7"} {
		if strings.Contains(text, part) {
			return part
		}
	}
	return ""
}

func TestParseDSNErrors(t *testing.T) {
	const pre = `target "kos": invalid dsn: `
	for _, tc := range []struct {
		name, dsn, want string
	}{
		{"missing addr paren", "kos:" + sentinel + "@tcp(127.0.0.1:3306/db", `network address is not terminated (missing ")")`},
		{"slash in password, no dbname", "kos:" + sentinel + "/x@tcp(127.0.0.1:3306)", `unknown network before "(" (want tcp(host:port) or unix(/path); a password containing "/" needs the "/dbname" part after the address)`},
		{"no slash at all", "kos:" + sentinel + "@tcp(127.0.0.1:3306)", `missing "/" before the database name`},
		{"unknown network", "kos:" + sentinel + "@udp(127.0.0.1:3306)/db", `unknown network before "(" (want tcp(host:port) or unix(/path); a password containing "/" needs the "/dbname" part after the address)`},
		{"text after paren", "kos:" + sentinel + "@tcp(h:3306)x/db", `text after the ")" closing the network address (is there an unescaped "/" in a parameter value?)`},
		{"slash in a param value", "kos:" + sentinel + "@tcp(h:3306)/db?loc=Europe/" + sentinel, `text after the ")" closing the network address (is there an unescaped "/" in a parameter value?)`},
		{"bad db escape", "kos:" + sentinel + "@tcp(h:3306)/db%zz" + sentinel, `the database name is not properly %-escaped`},
		{"timeout", "kos:" + sentinel + "@tcp(h:3306)/db?timeout=" + sentinel, `parameter "timeout" has an invalid value`},
		{"readTimeout", "kos:" + sentinel + "@tcp(h:3306)/db?parseTime=true&readTimeout=" + sentinel, `parameter "readTimeout" has an invalid value`},
		{"writeTimeout", "kos:" + sentinel + "@tcp(h:3306)/db?writeTimeout=" + sentinel, `parameter "writeTimeout" has an invalid value`},
		{"timeTruncate", "kos:" + sentinel + "@tcp(h:3306)/db?timeTruncate=" + sentinel, `parameter "timeTruncate" has an invalid value`},
		{"tls name", "kos:" + sentinel + "@tcp(h:3306)/db?tls=" + sentinel, `parameter "tls" has an invalid value`},
		{"tls escape", "kos:" + sentinel + "@tcp(h:3306)/db?tls=%zz" + sentinel, `parameter "tls" has an invalid value`},
		{"loc", "kos:" + sentinel + "@tcp(h:3306)/db?loc=" + sentinel, `parameter "loc" has an invalid value`},
		{"bool", "kos:" + sentinel + "@tcp(h:3306)/db?parseTime=" + sentinel, `parameter "parseTime" has an invalid value`},
		{"allowAllFiles bool", "kos:" + sentinel + "@tcp(h:3306)/db?allowAllFiles=" + sentinel, `parameter "allowAllFiles" has an invalid value`},
		{"maxAllowedPacket", "kos:" + sentinel + "@tcp(h:3306)/db?maxAllowedPacket=" + sentinel, `parameter "maxAllowedPacket" has an invalid value`},
		{"serverPubKey", "kos:" + sentinel + "@tcp(h:3306)/db?serverPubKey=" + sentinel, `parameter "serverPubKey" has an invalid value`},
		{"connectionAttributes", "kos:" + sentinel + "@tcp(h:3306)/db?connectionAttributes=%zz" + sentinel, `parameter "connectionAttributes" has an invalid value`},
		{"system variable escape", "kos:" + sentinel + "@tcp(h:3306)/db?sql_mode=%zz" + sentinel, `parameter "sql_mode" has an invalid value`},
		{"malformed key", "kos:" + sentinel + "@tcp(h:3306)/db?" + sentinel + "%20x=%zz", `parameter with a malformed name has an invalid value`},
		{"strict panics in the driver", "kos:" + sentinel + "@tcp(h:3306)/db?strict=true", `parameter "strict" was removed from the driver`},
		{"unsafe collation", "kos:" + sentinel + "@tcp(h:3306)/db?interpolateParams=true&collation=gbk_chinese_ci", `parameter "interpolateParams" cannot be used with the collation given`},
		{"empty", "  ", `empty`},
		{"allowAllFiles", "kos:" + sentinel + "@tcp(h:3306)/db?allowAllFiles=true", `parameter "allowAllFiles" is not allowed: it lets the server read any file of the exporter's host`},
		{"read-only lifted", "kos:" + sentinel + "@tcp(h:3306)/db?tx_read_only=0", `parameter "tx_read_only" is not allowed: the exporter makes every session read-only itself`},
		{"mysql read-only lifted", "kos:" + sentinel + "@tcp(h:3306)/db?transaction_read_only=0", `parameter "transaction_read_only" is not allowed: the exporter makes every session read-only itself`},
		{"time limit lifted", "kos:" + sentinel + "@tcp(h:3306)/db?max_statement_time=0", `parameter "max_statement_time" is not allowed: the exporter sets the statement time limit itself (timeout)`},
		{"mysql time limit lifted", "kos:" + sentinel + "@tcp(h:3306)/db?MAX_EXECUTION_TIME=0", `parameter "MAX_EXECUTION_TIME" is not allowed: the exporter sets the statement time limit itself (timeout)`},
		{"sql_mode", "kos:" + sentinel + "@tcp(h:3306)/db?sql_mode=%27ANSI_QUOTES%27", `parameter "sql_mode" is not allowed: the SQL check reads queries as the server's own sql_mode does`},
		{"session-qualified", "kos:" + sentinel + "@tcp(h:3306)/db?@@session.max_statement_time=0", `parameter with a malformed name is not allowed: the exporter sets the statement time limit itself (timeout)`},
		// A multi-byte client charset makes the server read a query
		// otherwise than the SQL check (hostile case "big5 hides ...").
		{"multi-byte charset", "kos:" + sentinel + "@tcp(h:3306)/db?charset=big5", `parameter "charset" is not allowed: ` + charsetWhy},
		{"multi-byte charset in a list", "kos:" + sentinel + "@tcp(h:3306)/db?charset=utf8mb4,sjis", `parameter "charset" is not allowed: ` + charsetWhy},
		{"multi-byte collation", "kos:" + sentinel + "@tcp(h:3306)/db?collation=gbk_chinese_ci", `parameter "collation" is not allowed: ` + charsetWhy},
		{"client charset variable", "kos:" + sentinel + "@tcp(h:3306)/db?character_set_client=cp932", `parameter "character_set_client" is not allowed: ` + charsetWhy},
		// The driver sends "SET name=value" as given, before the session is
		// read-only.
		{"second assignment in a value", "kos:" + sentinel + "@tcp(h:3306)/db?wait_timeout=60%2Ctx_read_only%3D0", `parameter "wait_timeout" is not allowed: a DSN sets only session variables, each to one plain value (a number, a word or a simple 'quoted' text)`},
		{"charset hidden in a value", "kos:" + sentinel + "@tcp(h:3306)/db?wait_timeout=60%2C%20character_set_client%3Dbig5", `parameter "wait_timeout" is not allowed: a DSN sets only session variables, each to one plain value (a number, a word or a simple 'quoted' text)`},
		{"expression in a value", "kos:" + sentinel + "@tcp(h:3306)/db?autocommit=%28SELECT%20NEXTVAL%28s%29%29", `parameter "autocommit" is not allowed: a DSN sets only session variables, each to one plain value (a number, a word or a simple 'quoted' text)`},
		{"server-wide setting", "kos:" + sentinel + "@tcp(h:3306)/db?@@global.max_statement_time=0", `parameter with a malformed name is not allowed: a DSN sets only session variables, each to one plain value (a number, a word or a simple 'quoted' text)`},
		{"user variable assigned", "kos:" + sentinel + "@tcp(h:3306)/db?@x:=1", `parameter with a malformed name is not allowed: a DSN sets only session variables, each to one plain value (a number, a word or a simple 'quoted' text)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseDSN("kos", config.Secret(tc.dsn))
			if err == nil {
				t.Fatalf("ParseDSN accepted it: %+v", cfg)
			}
			if err.Error() != pre+tc.want {
				t.Errorf("err = %v\nwant %s", err, pre+tc.want)
			}
			if part := leaks(err.Error()); part != "" {
				t.Errorf("error shows %q: %v", part, err)
			}
			cerr := CheckDSN(config.Secret(tc.dsn))
			if cerr == nil || "invalid dsn: "+tc.want != cerr.Error() {
				t.Errorf("CheckDSN = %v", cerr)
			}
			if _, err := Open(&config.Target{Name: "kos", DSN: config.Secret(tc.dsn), MaxOpenConns: 1}); err == nil || err.Error() != pre+tc.want {
				t.Errorf("Open: err = %v", err)
			}
		})
	}
}

func TestParseDSNAccepts(t *testing.T) {
	for _, dsn := range []string{
		"kos:" + sentinel + "/x@tcp(127.0.0.1:3306)/db",
		"kos:" + sentinel + "@x@tcp(127.0.0.1:3306)/db",
		"kos:" + sentinel + "(?@tcp(127.0.0.1:3306)/db?timeout=2s&tls=false&loc=Europe%2FParis&parseTime=true",
		"kos@unix(/run/mysqld/mysqld.sock)/db",
		"kos@tcp(h:3306)/db?charset=utf8mb4,utf8&collation=utf8mb4_unicode_ci",
		"kos@tcp(h:3306)/db?time_zone=%27%2B09%3A00%27&wait_timeout=60&sql_big_selects=ON&@@session.lock_wait_timeout=5",
		"kos@tcp6([::1]:3306)/db",
		"/db",
		"kos@/",
	} {
		t.Run(dsn, func(t *testing.T) {
			cfg, err := ParseDSN("kos", config.Secret(dsn))
			if err != nil {
				t.Fatalf("ParseDSN: %v", err)
			}
			want, err := mysql.ParseDSN(dsn)
			if err != nil {
				t.Fatalf("driver: %v", err)
			}
			if cfg.FormatDSN() != want.FormatDSN() {
				t.Errorf("config differs from the driver's")
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ text, dsn string }{
		{"Access denied for kos:" + sentinel + "@x", "kos:" + sentinel + "@tcp(h)/db"},
		{"network 'kos:" + sentinel + "' unknown", "kos:" + sentinel + "/x@tcp(h)"},
		{"unknown database x" + sentinel, "kos@tcp(h)/x?a=" + sentinel},
	} {
		got := Redact(tc.text, config.Secret(tc.dsn))
		if part := leaks(got); part != "" && !strings.Contains(tc.dsn, "?a=") {
			t.Errorf("Redact(%q) = %q shows %q", tc.text, got, part)
		}
	}
	if got := Redact("kos:pw@x", "kos:pw@tcp(h)/db"); got != "kos:pw@x" {
		t.Errorf("a 2-letter password blanked words: %q", got)
	}
}

func TestPing(t *testing.T) {
	db := mysqltest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := Ping(ctx, &config.Target{Name: "kos", DSN: config.Secret(db.DSN), MaxOpenConns: 1}); err != nil {
		t.Errorf("Ping of the test database: %v", err)
	}
	refused := &config.Target{Name: "kos", DSN: "kos:" + sentinel + "@tcp(127.0.0.1:1)/db", MaxOpenConns: 1}
	err := Ping(ctx, refused)
	if err == nil || !strings.HasPrefix(err.Error(), `target "kos": connect: `) {
		t.Errorf("Ping of a closed port: %v", err)
	}
	if err != nil && leaks(err.Error()) != "" {
		t.Errorf("Ping error shows the password: %v", err)
	}
	if !db.Real {
		t.Skip("wrong-password case: the in-process server accepts any password; it runs with KOS_TEST_MYSQL_DSN")
	}
	cfg, _ := mysql.ParseDSN(db.DSN)
	cfg.User, cfg.Passwd = "kos_no_such_user", sentinel
	err = Ping(ctx, &config.Target{Name: "kos", DSN: config.Secret(cfg.FormatDSN()), MaxOpenConns: 1})
	if err == nil || !strings.Contains(err.Error(), "1045") || leaks(err.Error()) != "" {
		t.Errorf("Ping with a wrong password: %v", err)
	}
}
