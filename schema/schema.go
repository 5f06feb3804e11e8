// Package schema embeds the KOS reference schema (kos.sql) that the shipped
// collectors query, so the simulator and tests can create it.
package schema

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"regexp"
	"strings"
)

//go:embed kos.sql
var ddl string

var trailingComma = regexp.MustCompile(`,\s*\n\)$`)

// SQL returns kos.sql as shipped.
func SQL() string { return ddl }

// Variant selects how much of kos.sql to create.
type Variant int

const (
	// Full is kos.sql as shipped: what a real MySQL/MariaDB should have.
	Full Variant = iota
	// InProcess is what go-mysql-server's memory tables (the simulator's
	// in-process server) keep up with. They find the row an UPDATE or DELETE
	// changes, and check a new row's primary key, by scanning the table, and
	// an indexed lookup scans it too, testing each row against every key
	// looked up; secondary indexes are rewritten on every change. So this
	// variant leaves out the secondary indexes, and the primary key of the
	// live tables (those keyed by an id the simulator hands out): a write
	// costs one scan, and an id IN (...) filter is a hash lookup per row.
	// The daily and reference tables keep theirs (ON DUPLICATE KEY needs it).
	InProcess
)

// Statements returns the statements of kos.sql one by one, without comments,
// for drivers that run a single statement per Exec.
func Statements(v Variant) []string {
	var b strings.Builder
	for line := range strings.Lines(ddl) {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") {
			continue
		}
		if v == InProcess && (strings.HasPrefix(trimmed, "KEY ") || trimmed == "PRIMARY KEY (id),") {
			continue
		}
		b.WriteString(line)
	}
	var out []string
	for stmt := range strings.SplitSeq(b.String(), ";") {
		if s := strings.TrimSpace(stmt); s != "" {
			// A table's last key line may have been the one after the comma.
			out = append(out, trailingComma.ReplaceAllString(s, "\n)"))
		}
	}
	return out
}

// Apply creates every table that does not exist yet; existing tables and
// their rows are left alone.
func Apply(ctx context.Context, db *sql.DB, v Variant) error {
	for _, stmt := range Statements(v) {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("schema: %s: %w", firstLine(stmt), err)
		}
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
