package sqlrun

import (
	"database/sql"
	"fmt"
	"math"
	"testing"
	"time"
)

// numberOf is the sample value of v as a value column.
func numberOf(v any) (float64, bool) {
	var c cell
	read(nil, v, &c)
	return c.number()
}

// TestMapperValueTypes feeds each Go type database/sql may scan into *any
// as both the label and the value of a gauge.
func TestMapperValueTypes(t *testing.T) {
	const gauge = `{name: kos_value, type: gauge, help: Value., labels: [l], value: v}`
	tests := []struct {
		name  string
		in    any
		label string
		value string
	}{
		{"bytes decimal", txt("12.50"), "12.50", "12.5"},
		{"raw bytes", sql.RawBytes("7"), "7", "7"},
		{"string", "3.25", "3.25", "3.25"},
		{"int64", int64(-4), "-4", "-4"},
		{"int32", int32(5), "5", "5"},
		{"int", int(6), "6", "6"},
		{"uint64", uint64(1 << 40), "1099511627776", "1099511627776"},
		{"uint32", uint32(4000000000), "4000000000", "4e9"},
		{"float64", float64(0.1), "0.1", "0.1"},
		{"float32", float32(0.1), "0.1", "0.10000000149011612"},
		{"float64 large", float64(1e21), "1e+21", "1e21"},
		{"bool true", true, "true", "1"},
		{"bool false", false, "false", "0"},
		{"time", time.Date(2026, 3, 1, 12, 0, 0, 250_000_000, time.UTC), "2026-03-01T12:00:00Z", "1772366400.25"},
		{"time with zone", time.Date(2026, 3, 1, 14, 0, 0, 0, time.FixedZone("CEST", 2*3600)), "2026-03-01T14:00:00+02:00", "1772366400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mapAll(t, collector(t, 10, gauge), []string{"l", "v"}, [][]any{{tt.in, tt.in}})
			assertExposition(t, allMetrics(got), fmt.Sprintf(`
# HELP kos_value Value.
# TYPE kos_value gauge
kos_value{l=%q} %s
`, tt.label, tt.value))
		})
	}
}

func TestMapperUnknownTypeLabel(t *testing.T) {
	const gauge = `{name: kos_value, type: gauge, help: Value., labels: [l], value: v}`
	got := mapAll(t, collector(t, 10, gauge), []string{"l", "v"}, [][]any{{struct{ A int }{7}, txt("1")}})
	assertExposition(t, allMetrics(got), `
# HELP kos_value Value.
# TYPE kos_value gauge
kos_value{l="{7}"} 1
`)
}

// TestNumberText holds text values to plain decimal numbers: what else
// strconv.ParseFloat reads must not become a sample (a counter at NaN).
func TestNumberText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true},
		{"12", 12, true},
		{"-12", -12, true},
		{"+12", 12, true},
		{"12.50", 12.5, true},
		{"12.", 12, true},
		{".5", 0.5, true},
		{"-.5", -0.5, true},
		{"1e3", 1000, true},
		{"1.5E-3", 0.0015, true},
		{"2e+2", 200, true},
		{"007", 7, true},
		{"NaN", 0, false},
		{"nan", 0, false},
		{"+Inf", 0, false},
		{"-Inf", 0, false},
		{"Inf", 0, false},
		{"infinity", 0, false},
		{"-Infinity", 0, false},
		{"1_000", 0, false},
		{"0x1p-2", 0, false},
		{"0x10", 0, false},
		{"0b101", 0, false},
		{"1e400", 0, false}, // beyond float64
		{"", 0, false},
		{"+", 0, false},
		{".", 0, false},
		{"-.", 0, false},
		{"1e", 0, false},
		{"1e+", 0, false},
		{"e3", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"1.2.3", 0, false},
		{"--1", 0, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			for _, v := range []any{txt(tc.in), sql.RawBytes(tc.in), tc.in} {
				got, ok := numberOf(v)
				if ok != tc.ok || (ok && got != tc.want) {
					t.Errorf("number(%T %q) = %v, %v; want %v, %v", v, tc.in, got, ok, tc.want, tc.ok)
				}
			}
		})
	}
}

// TestNumberNonFinite: a float column can hold NaN or ±Inf on some servers
// (the in-process one); neither is a sample value.
func TestNumberNonFinite(t *testing.T) {
	for _, v := range []any{math.NaN(), math.Inf(1), math.Inf(-1), float32(math.NaN()), float32(math.Inf(1))} {
		if got, ok := numberOf(v); ok {
			t.Errorf("number(%T %v) = %v, accepted", v, v, got)
		}
	}
}

func TestBitValue(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want uint64
		ok   bool
	}{
		{[]byte{}, 0, true},
		{[]byte{0x05}, 5, true},
		{[]byte{0x01, 0x2c}, 300, true},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, math.MaxUint64, true},
		{[]byte{1, 0, 0, 0, 0, 0, 0, 0, 0}, 0, false},
	} {
		got, ok := bitValue(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("bitValue(%x) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestMapperDecodedLabels puts several decoded values in one row: their
// label forms share one buffer, which grows while the row is read.
func TestMapperDecodedLabels(t *testing.T) {
	const gauge = `{name: kos_value, type: gauge, help: Value., labels: [a, b, c, d, e], value: v}`
	when := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	got := mapAll(t, collector(t, 10, gauge), []string{"a", "b", "c", "d", "e", "v"}, [][]any{
		{int64(-1234567890123), "text", when, float64(0.5), uint64(1 << 63), int32(7)},
		{int64(1), "other", when, float64(1.5), uint64(2), int32(8)},
	})
	assertExposition(t, allMetrics(got), `
# HELP kos_value Value.
# TYPE kos_value gauge
kos_value{a="-1234567890123",b="text",c="2026-03-01T12:00:00Z",d="0.5",e="9223372036854775808"} 7
kos_value{a="1",b="other",c="2026-03-01T12:00:00Z",d="1.5",e="2"} 8
`)
}
