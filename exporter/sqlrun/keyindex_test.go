package sqlrun

import (
	"fmt"
	"hash/maphash"
	"maps"
	"testing"

	"github.com/kos-ops/kos_exporter/exporter/result"
)

// sameHash gives every key one hash: each lookup walks past every other
// key and must tell them apart by comparing the keys themselves.
func sameHash(maphash.Seed, []byte) uint64 { return 0xdead_beef_0000_0000 }

// TestDuplicatesUnderHashCollisions maps the same rows with the real hash
// and with one hash for every key: distinct label sets whose hashes are
// equal are all kept, and a duplicate is still reported against the
// metric and value column it was found in.
func TestDuplicatesUnderHashCollisions(t *testing.T) {
	c := collector(t, 1000, stockGauge, callsCounter)
	columns := []string{"model", "kind", "n", "agency", "ok", "error"}
	rows := [][]any{
		{txt("x1"), txt("new"), txt("1"), txt("kt"), txt("10"), txt("1")},
		{txt("x1"), txt("port"), txt("2"), txt("skt"), txt("20"), txt("2")},
		{txt("x2"), txt("new"), txt("3"), txt("lgu"), txt("30"), nil},
		{txt("x1"), txt("new"), txt("4"), txt("kt"), txt("40"), txt("4")},      // both metrics' label sets seen
		{txt("x2"), txt("new"), txt("5"), txt("lgu"), nil, txt("5")},           // only the error sample is new
		{txt("x1"), txt("newport"), txt("6"), txt("lgu"), txt("60"), txt("6")}, // new gauge label set, calls seen
	}
	want := `
# HELP kos_agency_calls_total Agency calls by result.
# TYPE kos_agency_calls_total counter
kos_agency_calls_total{agency="kt",result="ok"} 10
kos_agency_calls_total{agency="kt",result="error"} 1
kos_agency_calls_total{agency="skt",result="ok"} 20
kos_agency_calls_total{agency="skt",result="error"} 2
kos_agency_calls_total{agency="lgu",result="ok"} 30
kos_agency_calls_total{agency="lgu",result="error"} 5
# HELP kos_stock_units Units in stock.
# TYPE kos_stock_units gauge
kos_stock_units{kind="new",model="x1",part="contract"} 1
kos_stock_units{kind="port",model="x1",part="contract"} 2
kos_stock_units{kind="new",model="x2",part="contract"} 3
kos_stock_units{kind="newport",model="x1",part="contract"} 6
`
	wantSkipped := map[result.Skip]int{
		skip("kos_stock_units", "n", result.SkipDuplicate):            2,
		skip("kos_agency_calls_total", "ok", result.SkipDuplicate):    2,
		skip("kos_agency_calls_total", "error", result.SkipDuplicate): 2,
		skip("kos_agency_calls_total", "error", result.SkipNullValue): 1,
		skip("kos_agency_calls_total", "ok", result.SkipNullValue):    1,
	}
	for _, tc := range []struct {
		name string
		hash func(maphash.Seed, []byte) uint64
	}{
		{"real hash", nil},
		{"every key one hash", sameHash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewMapper(c, columns)
			if err != nil {
				t.Fatal(err)
			}
			if tc.hash != nil {
				for _, f := range m.families {
					f.(*scalarFamily).index.hash = tc.hash
				}
			}
			for i, row := range rows {
				if err := m.Add(row); err != nil {
					t.Fatalf("Add(row %d): %v", i, err)
				}
			}
			got, err := m.Finish()
			if err != nil {
				t.Fatal(err)
			}
			assertExposition(t, allMetrics(got), want)
			if got.Series != 10 {
				t.Errorf("Series = %d, want 10", got.Series)
			}
			if !maps.Equal(got.Skipped, wantSkipped) {
				t.Errorf("Skipped = %v, want %v", got.Skipped, wantSkipped)
			}
		})
	}
}

// TestKeyIndexGrows indexes enough keys to grow the table several times,
// under a hash with only a few values, and finds each key at its sample
// and no key that was not added.
func TestKeyIndexGrows(t *testing.T) {
	for _, tc := range []struct {
		name string
		hash func(maphash.Seed, []byte) uint64
	}{
		{"real hash", maphash.Bytes},
		// Seven hashes, spread over the upper bits that choose the slot.
		{"seven hashes", func(_ maphash.Seed, b []byte) uint64 { return uint64(len(b)%7) << 61 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := newKeyIndex()
			x.hash = tc.hash
			var s result.Series
			const n = 3000
			for i := range n {
				key := fmt.Appendf(nil, "model_%d\xff", i)
				if found, _ := x.find(&s, key); found >= 0 {
					t.Fatalf("key %d found at %d before it was added", i, found)
				}
				_, h := x.find(&s, key)
				x.insert(h, s.Len())
				s.AddBytes(key, float64(i))
			}
			if len(x.slots) < n*4/3 || len(x.slots)&(len(x.slots)-1) != 0 {
				t.Fatalf("%d slots for %d keys, want a power of two at most 3/4 full", len(x.slots), n)
			}
			for i := range n {
				if found, _ := x.find(&s, fmt.Appendf(nil, "model_%d\xff", i)); found != i {
					t.Fatalf("key %d found at %d", i, found)
				}
			}
			for _, absent := range []string{"model_3000\xff", "model_1", "", "model_12\xff\xff"} {
				if found, _ := x.find(&s, []byte(absent)); found >= 0 {
					t.Errorf("%q found at %d, never added", absent, found)
				}
			}
		})
	}
}
