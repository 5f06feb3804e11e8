package launchsim

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// batch collects one step's writes so they go out as a few multi-row
// statements in one transaction: a collector never sees a live row without
// its daily count.
type batch struct {
	inserts map[string]*insertRows
	updates map[string]*updateIDs
	bumps   map[string]*bumpRows
}

type insertRows struct {
	cols []string
	rows [][]any
}

type updateIDs struct {
	table, set string
	args       []any
	ids        []int64
}

// bumpRows holds increments of one daily table, by key.
type bumpRows struct {
	keyCols []string
	rows    map[string]*bump
}

type bump struct {
	key    []any
	counts map[string]float64
}

func newBatch() *batch {
	return &batch{inserts: map[string]*insertRows{}, updates: map[string]*updateIDs{}, bumps: map[string]*bumpRows{}}
}

func (b *batch) insert(table string, cols []string, vals ...any) {
	ir := b.inserts[table]
	if ir == nil {
		ir = &insertRows{cols: cols}
		b.inserts[table] = ir
	}
	ir.rows = append(ir.rows, vals)
}

// update sets `set` (with args) on row id of table; rows sharing the same
// change become one UPDATE ... WHERE id IN (...).
func (b *batch) update(table, set string, id int64, args ...any) {
	k := fmt.Sprint(table, "|", set, "|", args)
	u := b.updates[k]
	if u == nil {
		u = &updateIDs{table: table, set: set, args: args}
		b.updates[k] = u
	}
	u.ids = append(u.ids, id)
}

// add increments column col of the daily table's row with the given key.
func (b *batch) add(table string, keyCols []string, key []any, col string, n float64) {
	br := b.bumps[table]
	if br == nil {
		br = &bumpRows{keyCols: keyCols, rows: map[string]*bump{}}
		b.bumps[table] = br
	}
	k := fmt.Sprint(key...)
	r := br.rows[k]
	if r == nil {
		r = &bump{key: key, counts: map[string]float64{}}
		br.rows[k] = r
	}
	r.counts[col] += n
}

// maxRowsPerInsert keeps statements well under max_allowed_packet.
const maxRowsPerInsert = 500

func (b *batch) flush(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	for _, table := range slices.Sorted(maps.Keys(b.inserts)) {
		ir := b.inserts[table]
		for rows := range slices.Chunk(ir.rows, maxRowsPerInsert) {
			q, args := insertSQL(table, ir.cols, rows)
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("insert into %s: %w", table, err)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(b.updates)) {
		u := b.updates[k]
		for ids := range slices.Chunk(u.ids, maxRowsPerInsert) {
			q := fmt.Sprintf("UPDATE %s SET %s WHERE id IN (%s)", u.table, u.set, placeholders(len(ids)))
			args := slices.Clone(u.args)
			for _, id := range ids {
				args = append(args, id)
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("update %s: %w", u.table, err)
			}
		}
	}
	for _, table := range slices.Sorted(maps.Keys(b.bumps)) {
		q, args := b.bumps[table].upsertSQL(table)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("add to %s: %w", table, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func insertSQL(table string, cols []string, rows [][]any) (string, []any) {
	row := "(" + placeholders(len(cols)) + ")"
	var args []any
	for _, r := range rows {
		args = append(args, r...)
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", table, strings.Join(cols, ", "),
		strings.Repeat(row+", ", len(rows)-1)+row), args
}

// upsertSQL adds every row's counts in one INSERT ... ON DUPLICATE KEY
// UPDATE, so counts are only ever incremented.
func (br *bumpRows) upsertSQL(table string) (string, []any) {
	colSet := map[string]bool{}
	for _, r := range br.rows {
		for c := range r.counts {
			colSet[c] = true
		}
	}
	countCols := slices.Sorted(maps.Keys(colSet))
	sets := make([]string, len(countCols))
	for i, c := range countCols {
		sets[i] = fmt.Sprintf("%s = %s + VALUES(%s)", c, c, c)
	}
	var args []any
	for _, k := range slices.Sorted(maps.Keys(br.rows)) {
		r := br.rows[k]
		args = append(args, r.key...)
		for _, c := range countCols {
			args = append(args, r.counts[c])
		}
	}
	cols := append(slices.Clone(br.keyCols), countCols...)
	row := "(" + placeholders(len(cols)) + ")"
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES %s ON DUPLICATE KEY UPDATE %s", table, strings.Join(cols, ", "),
		strings.Repeat(row+", ", len(br.rows)-1)+row, strings.Join(sets, ", ")), args
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
