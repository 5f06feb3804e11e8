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
// its daily count. A row inserted and removed within the step is never
// written: no reader could have seen it.
type batch struct {
	inserts map[string]*insertRows
	updates map[string]*updateIDs
	removes map[string][]int64        // rows to delete, by table
	removed map[string]map[int64]bool // every row removed, written or not
	bumps   map[string]*bumpRows
}

type insertRows struct {
	cols []string
	rows [][]any       // nil: removed within the step
	pos  map[int64]int // id → index in rows
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
	return &batch{inserts: map[string]*insertRows{}, updates: map[string]*updateIDs{}, removes: map[string][]int64{}, removed: map[string]map[int64]bool{}, bumps: map[string]*bumpRows{}}
}

// insert adds row id of a live table; cols name the id first, then vals.
func (b *batch) insert(table string, cols []string, id int64, vals ...any) {
	ir := b.inserts[table]
	if ir == nil {
		ir = &insertRows{cols: cols, pos: map[int64]int{}}
		b.inserts[table] = ir
	}
	ir.pos[id] = len(ir.rows)
	ir.rows = append(ir.rows, append([]any{id}, vals...))
}

// remove deletes row id of table; updates to it in the same step are dropped.
func (b *batch) remove(table string, id int64) {
	if b.removed[table] == nil {
		b.removed[table] = map[int64]bool{}
	}
	b.removed[table][id] = true
	if ir := b.inserts[table]; ir != nil {
		if i, ok := ir.pos[id]; ok {
			ir.rows[i] = nil
			delete(ir.pos, id)
			return
		}
	}
	b.removes[table] = append(b.removes[table], id)
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

// maxRowsPerUpdate is smaller: go-mysql-server compares every row an UPDATE
// writes with every row it replaces, so its cost grows with the square.
const maxRowsPerUpdate = 100

func (b *batch) flush(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	for _, table := range slices.Sorted(maps.Keys(b.inserts)) {
		ir := b.inserts[table]
		for rows := range slices.Chunk(slices.DeleteFunc(ir.rows, func(r []any) bool { return r == nil }), maxRowsPerInsert) {
			q, args := insertSQL(table, ir.cols, rows)
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("insert into %s: %w", table, err)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(b.updates)) {
		u := b.updates[k]
		live := slices.DeleteFunc(u.ids, func(id int64) bool { return b.removed[u.table][id] })
		for ids := range slices.Chunk(live, maxRowsPerUpdate) {
			q := fmt.Sprintf("UPDATE %s SET %s WHERE id IN (%s)", u.table, u.set, placeholders(len(ids)))
			args := append(slices.Clone(u.args), int64Args(ids)...)
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("update %s: %w", u.table, err)
			}
		}
	}
	for _, table := range slices.Sorted(maps.Keys(b.removes)) {
		for ids := range slices.Chunk(b.removes[table], maxRowsPerInsert) {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s WHERE id IN (%s)", table, placeholders(len(ids))), int64Args(ids)...); err != nil {
				return fmt.Errorf("delete from %s: %w", table, err)
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

func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
