package launchsim

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// bulkRows is the rows per INSERT: about 200 KB, far under any
// max_allowed_packet, and few enough statements that parsing is cheap.
const bulkRows = 2000

// bulkWriter inserts rows as multi-row INSERT statements of literal values
// over a few connections at once. add blocks while every connection is
// busy, so the generator never runs far ahead of the server.
type bulkWriter struct {
	stmts chan string
	bufs  map[string]*tableRows
	wg    sync.WaitGroup

	mu  sync.Mutex
	err error // the first failure; later statements are dropped
}

type tableRows struct {
	sql strings.Builder
	n   int
}

func newBulkWriter(ctx context.Context, db *sql.DB, conns int) *bulkWriter {
	w := &bulkWriter{stmts: make(chan string, conns), bufs: map[string]*tableRows{}}
	for range conns {
		w.wg.Go(func() {
			for q := range w.stmts {
				if w.failed() {
					continue
				}
				if _, err := db.ExecContext(ctx, q); err != nil {
					w.mu.Lock()
					if w.err == nil {
						w.err = fmt.Errorf("%s: %w", strings.SplitN(q, " (", 2)[0], err)
					}
					w.mu.Unlock()
				}
			}
		})
	}
	return w
}

func (w *bulkWriter) failed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err != nil
}

// add queues one row of table; cols are the same for every row of a table.
func (w *bulkWriter) add(table string, cols []string, vals []any) {
	b := w.bufs[table]
	if b == nil {
		b = &tableRows{}
		w.bufs[table] = b
	}
	if b.n == 0 {
		fmt.Fprintf(&b.sql, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
	} else {
		b.sql.WriteByte(',')
	}
	b.sql.WriteByte('(')
	for i, v := range vals {
		if i > 0 {
			b.sql.WriteByte(',')
		}
		writeLiteral(&b.sql, v)
	}
	b.sql.WriteByte(')')
	if b.n++; b.n == bulkRows {
		w.send(b)
	}
}

func (w *bulkWriter) send(b *tableRows) {
	w.stmts <- b.sql.String()
	b.sql.Reset()
	b.n = 0
}

// close sends what is left and waits for every statement.
func (w *bulkWriter) close() error {
	for _, b := range w.bufs {
		if b.n > 0 {
			w.send(b)
		}
	}
	close(w.stmts)
	w.wg.Wait()
	return w.err
}

var sqlQuote = strings.NewReplacer(`\`, `\\`, `'`, `''`)

// writeLiteral writes v as an SQL literal. The generator's strings are
// names and timestamps, but quotes and backslashes are escaped anyway.
func writeLiteral(sb *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		sb.WriteString("NULL")
	case string:
		sb.WriteByte('\'')
		sb.WriteString(sqlQuote.Replace(v))
		sb.WriteByte('\'')
	case int64:
		sb.WriteString(strconv.FormatInt(v, 10))
	case int:
		sb.WriteString(strconv.Itoa(v))
	case bool:
		sb.WriteString(map[bool]string{false: "0", true: "1"}[v])
	case float64:
		sb.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	default:
		panic(fmt.Sprintf("launchsim: no SQL literal for %T", v))
	}
}

// indexDef is one secondary index: its name and columns in order.
type indexDef struct {
	name string
	cols []string
}

// dropSecondaryIndexes drops table's non-unique secondary indexes and
// returns them for createIndexes.
func dropSecondaryIndexes(ctx context.Context, db *sql.DB, table string) ([]indexDef, error) {
	rows, err := db.QueryContext(ctx, `SELECT index_name, column_name FROM information_schema.statistics
		WHERE table_schema = DATABASE() AND table_name = ? AND non_unique = 1
		ORDER BY index_name, seq_in_index`, table)
	if err != nil {
		return nil, fmt.Errorf("reading the indexes of %s: %w", table, err)
	}
	defer rows.Close()
	var defs []indexDef
	for rows.Next() {
		var name, col string
		if err := rows.Scan(&name, &col); err != nil {
			return nil, fmt.Errorf("reading the indexes of %s: %w", table, err)
		}
		if len(defs) == 0 || defs[len(defs)-1].name != name {
			defs = append(defs, indexDef{name: name})
		}
		defs[len(defs)-1].cols = append(defs[len(defs)-1].cols, col)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the indexes of %s: %w", table, err)
	}
	if len(defs) == 0 {
		return nil, nil
	}
	drops := make([]string, len(defs))
	for i, d := range defs {
		drops[i] = "DROP KEY " + d.name
	}
	if _, err := db.ExecContext(ctx, "ALTER TABLE "+table+" "+strings.Join(drops, ", ")); err != nil {
		return nil, fmt.Errorf("dropping the indexes of %s: %w", table, err)
	}
	return defs, nil
}

// createIndexes adds the indexes back in one ALTER TABLE (one pass over
// the table).
func createIndexes(ctx context.Context, db *sql.DB, table string, defs []indexDef) error {
	if len(defs) == 0 {
		return nil
	}
	adds := make([]string, len(defs))
	for i, d := range defs {
		adds[i] = fmt.Sprintf("ADD KEY %s (%s)", d.name, strings.Join(d.cols, ", "))
	}
	if _, err := db.ExecContext(ctx, "ALTER TABLE "+table+" "+strings.Join(adds, ", ")); err != nil {
		return fmt.Errorf("creating the indexes of %s: %w", table, err)
	}
	return nil
}
