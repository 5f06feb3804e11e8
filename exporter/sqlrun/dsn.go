package sqlrun

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/exporter/config"
)

// The driver's messages quote the DSN: "default addr for network
// 'user:pass' unknown" when the password holds a "/", "invalid bool value:
// …", time.ParseDuration's text for timeout=…. So DSN errors are written
// here from the structure of the DSN; a driver message is used only when it
// is one of these constants, which hold no value.
var driverConstants = map[string]string{
	"invalid DSN: did you forget to escape a param value?":                  `text after the ")" closing the network address (is there an unescaped "/" in a parameter value?)`,
	"invalid DSN: network address not terminated (missing closing brace)":   `network address is not terminated (missing ")")`,
	"invalid DSN: missing the slash separating the database name":           `missing "/" before the database name`,
	"invalid DSN: interpolateParams can not be used with unsafe collations": `parameter "interpolateParams" cannot be used with the collation given`,
}

// networks the exporter dials; the driver would pass any other name to
// net.Dial (udp, ip…) or fail with a message quoting it.
var networks = map[string]bool{"tcp": true, "tcp4": true, "tcp6": true, "unix": true}

// ParseDSN parses a target's DSN with the driver's own parser and checks
// that the driver can build a connector from it, without connecting. Its
// errors name the target and, where one is at fault, the parameter; never
// a value.
func ParseDSN(target string, dsn config.Secret) (*mysql.Config, error) {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("target %q: invalid dsn: %w", target, err)
	}
	return cfg, nil
}

// CheckDSN is ParseDSN for config.Options.CheckDSN, which names the target
// itself.
func CheckDSN(dsn config.Secret) error {
	if _, err := parseDSN(dsn); err != nil {
		return fmt.Errorf("invalid dsn: %w", err)
	}
	return nil
}

// parseDSN is ParseDSN without the target: its messages say what is wrong.
func parseDSN(secret config.Secret) (*mysql.Config, error) {
	dsn := string(secret)
	if strings.TrimSpace(dsn) == "" {
		return nil, errors.New("empty")
	}
	// [user[:password]@][net[(addr)]]/dbname[?params], split as the driver
	// does: the last "/", then the last "@" before it.
	slash := strings.LastIndexByte(dsn, '/')
	if slash < 0 {
		return nil, errors.New(driverConstants["invalid DSN: missing the slash separating the database name"])
	}
	netAddr := dsn[strings.LastIndexByte(dsn[:slash], '@')+1 : slash]
	network := netAddr
	if open := strings.IndexByte(netAddr, '('); open >= 0 {
		network = netAddr[:open]
		if !strings.HasSuffix(netAddr, ")") {
			if strings.Contains(netAddr[open:], ")") {
				return nil, errors.New(driverConstants["invalid DSN: did you forget to escape a param value?"])
			}
			return nil, errors.New(driverConstants["invalid DSN: network address not terminated (missing closing brace)"])
		}
	}
	if network != "" && !networks[network] {
		// Also what a "/" in the password looks like when no "/dbname"
		// follows: the driver then takes "user:pass…" for the network.
		return nil, errors.New(`unknown network before "(" (want tcp(host:port) or unix(/path); a password containing "/" needs the "/dbname" part after the address)`)
	}
	dbName, params, _ := strings.Cut(dsn[slash+1:], "?")
	if _, err := url.PathUnescape(dbName); err != nil {
		return nil, errors.New(`the database name is not properly %-escaped`)
	}
	// Each parameter alone on a DSN that holds nothing else, so a failure
	// points at it.
	for kv := range strings.SplitSeq(params, "&") {
		key, _, ok := strings.Cut(kv, "=")
		if !ok {
			continue // the driver ignores it too
		}
		if key == "strict" { // the driver panics on it
			return nil, fmt.Errorf("parameter %q was removed from the driver", key)
		}
		if _, err := driverParse("/?" + kv); err != nil {
			return nil, fmt.Errorf("parameter %s has an invalid value", paramName(key))
		}
	}
	cfg, err := driverParse(dsn)
	if err != nil {
		return nil, driverError(err)
	}
	if _, err := mysql.NewConnector(cfg); err != nil {
		return nil, driverError(err)
	}
	if cfg.AllowAllFiles {
		return nil, errors.New(`parameter "allowAllFiles" is not allowed: it lets the server read any file of the exporter's host`)
	}
	if err := checkCharsets(params, cfg.Collation); err != nil {
		return nil, err
	}
	for name, value := range cfg.Params {
		// The driver sends unknown parameters as SET name=value when it
		// connects: these would loosen what every session relies on.
		if why, ok := guarded[strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(name, "@@"), "session."))]; ok {
			return nil, fmt.Errorf("parameter %s is not allowed: %s", paramName(name), why)
		}
		// Sent as is, before the session is read-only: a value such as
		// "1, tx_read_only=0" or "(SELECT NEXTVAL(s))" would run.
		if !setName.MatchString(name) || !setValue.MatchString(value) {
			return nil, fmt.Errorf("parameter %s is not allowed: a DSN sets only session variables, each to one plain value (a number, a word or a simple 'quoted' text)", paramName(name))
		}
	}
	return cfg, nil
}

// What a session-variable parameter may look like: the driver writes
// "SET name=value" with both as given.
var (
	setName  = regexp.MustCompile(`(?i)^(@@)?(session\.)?[a-z0-9_]+$`) // not GLOBAL: a DSN has no business with the server's settings
	setValue = regexp.MustCompile(`^([A-Za-z0-9_.+-]*|'[A-Za-z0-9_.+:/ -]*')$`)
)

// checkCharsets refuses a client character set other than safeCharsets,
// from the charset list or the collation.
func checkCharsets(params, collation string) error {
	for kv := range strings.SplitSeq(params, "&") {
		if key, value, _ := strings.Cut(kv, "="); key == "charset" {
			for cs := range strings.SplitSeq(value, ",") {
				if !safeCharsets[strings.ToLower(cs)] {
					return fmt.Errorf(`parameter "charset" is not allowed: %s`, charsetWhy)
				}
			}
		}
	}
	if cs, _, _ := strings.Cut(collation, "_"); collation != "" && !safeCharsets[strings.ToLower(cs)] {
		return fmt.Errorf(`parameter "collation" is not allowed: %s`, charsetWhy)
	}
	return nil
}

// safeCharsets are the client character sets in which every byte below
// 0x80 is the ASCII character it is, as the SQL check reads a query. In
// big5, gbk, sjis, cp932 or gb18030 the second byte of a character can be
// "`" or a backslash: the server would end a quoted name where the check does not,
// and run what the check took for the text of a string.
var safeCharsets = map[string]bool{"utf8mb4": true, "utf8mb3": true, "utf8": true, "latin1": true, "ascii": true}

const charsetWhy = "the client character set must be utf8mb4, utf8mb3 (utf8), latin1 or ascii (in a multi-byte set such as big5 or sjis the server would read a query otherwise than the SQL check does)"

// guarded are the session variables the exporter's safety rests on, with
// why a DSN may not set them.
var guarded = map[string]string{
	"tx_read_only":          "the exporter makes every session read-only itself",
	"transaction_read_only": "the exporter makes every session read-only itself",
	"max_statement_time":    "the exporter sets the statement time limit itself (timeout)",
	"max_execution_time":    "the exporter sets the statement time limit itself (timeout)",
	"sql_mode":              "the SQL check reads queries as the server's own sql_mode does",
	"character_set_client":  charsetWhy,
}

// driverParse is mysql.ParseDSN, which panics on a parameter it removed.
func driverParse(dsn string) (cfg *mysql.Config, err error) {
	defer func() {
		if recover() != nil {
			cfg, err = nil, errors.New("driver panicked")
		}
	}()
	return mysql.ParseDSN(dsn)
}

// driverError keeps a driver message only when it is a known constant.
func driverError(err error) error {
	if msg, ok := driverConstants[err.Error()]; ok {
		return errors.New(msg)
	}
	return errors.New("the driver cannot use it (its message is withheld: it may quote the password)")
}

// paramName quotes a parameter name unless it does not look like one: a
// key can be anything, a password pasted in the wrong place included.
func paramName(key string) string {
	ok := key != "" && len(key) <= 64
	for _, r := range key {
		ok = ok && (r == '_' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}
	if !ok {
		return "with a malformed name"
	}
	return fmt.Sprintf("%q", key)
}

// Ping connects to t once as a run would, session setup included, and says
// why it cannot. The setup and the ping only read; the error never holds
// the password.
func Ping(ctx context.Context, t *config.Target) error {
	pool, err := Open(t)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := pool.db.PingContext(ctx); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("target %q: connect: no answer in time: %w", t.Name, ctx.Err())
		}
		return fmt.Errorf("target %q: connect: %s", t.Name, Redact(err.Error(), t.DSN))
	}
	return nil
}

// Redact removes the DSN, its password and user:password from text: a
// driver or server message may quote a part of the DSN that holds the
// password when the DSN is malformed in a way the driver accepts.
func Redact(text string, dsn config.Secret) string {
	secrets := []string{string(dsn)}
	userPass, pass := credentials(string(dsn))
	// Very short passwords would blank out ordinary words.
	if len(pass) >= 4 {
		secrets = append(secrets, userPass, pass)
		// The driver cuts a password holding "/" at it when no "/dbname"
		// follows.
		user, _, _ := strings.Cut(userPass, ":")
		for piece := range strings.SplitSeq(pass, "/") {
			if len(piece) >= 4 {
				secrets = append(secrets, user+":"+piece, piece)
			}
		}
	}
	for _, s := range secrets {
		if s != "" {
			text = strings.ReplaceAll(text, s, "<secret>")
		}
	}
	return text
}

// credentials finds "user:password" and the password in dsn as the driver
// does, even when the rest of dsn is malformed: after the last "@" before
// the last "/" (or the last "@" when there is no "/"), up to the first ":".
func credentials(dsn string) (userPass, pass string) {
	end := len(dsn)
	if slash := strings.LastIndexByte(dsn, '/'); slash >= 0 && strings.LastIndexByte(dsn[:slash], '@') >= 0 {
		end = slash
	}
	at := strings.LastIndexByte(dsn[:end], '@')
	if at < 0 {
		return "", ""
	}
	userPass = dsn[:at]
	if _, p, ok := strings.Cut(userPass, ":"); ok {
		pass = p
	}
	return userPass, pass
}
