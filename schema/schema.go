// Package schema embeds the KOS reference schema (kos.sql) that the shipped
// collectors query, so the simulator and tests can create it.
package schema

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"strings"
)

//go:embed kos.sql
var ddl string

// SQL returns kos.sql as shipped.
func SQL() string { return ddl }

// Statements returns the statements of kos.sql one by one, without comments,
// for drivers that run a single statement per Exec.
func Statements() []string {
	var b strings.Builder
	for line := range strings.Lines(ddl) {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		b.WriteString(line)
	}
	var out []string
	for stmt := range strings.SplitSeq(b.String(), ";") {
		if s := strings.TrimSpace(stmt); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Apply creates every table that does not exist yet; existing tables and
// their rows are left alone.
func Apply(ctx context.Context, db *sql.DB) error {
	for _, stmt := range Statements() {
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
