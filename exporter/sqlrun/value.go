package sqlrun

import (
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// cell is one value of a row, as read reads it.
type cell struct {
	// text is the value as text: what the text protocol delivered
	// (strings, DECIMAL), or the label form of a value the driver decoded.
	text []byte
	num  float64 // the sample value unless decimal; NaN when there is none
	null bool
	// decimal is set when text is what the server sent, so the sample value
	// is parsed from it.
	decimal bool
}

// read is the one place that knows the Go types database/sql scans into
// *any: text, as the text protocol delivers strings and DECIMAL (or
// *rowText, MapRows' copy of it), or an integer, float, bool or time the
// driver decoded. It sets c from v; the
// label form of a decoded value is appended to buf, which is returned.
func read(buf []byte, v any, c *cell) []byte {
	start := len(buf)
	var num float64
	switch v := v.(type) {
	case []byte:
		*c = cell{text: v, decimal: true}
		return buf
	case nil:
		*c = cell{null: true}
		return buf
	case sql.RawBytes:
		*c = cell{text: v, decimal: true}
		return buf
	case *rowText:
		*c = cell{text: *v, decimal: true}
		return buf
	case string:
		buf = append(buf, v...)
		*c = cell{text: buf[start:len(buf):len(buf)], decimal: true}
		return buf
	case int64:
		buf, num = strconv.AppendInt(buf, v, 10), float64(v)
	case int32:
		buf, num = strconv.AppendInt(buf, int64(v), 10), float64(v)
	case int:
		buf, num = strconv.AppendInt(buf, int64(v), 10), float64(v)
	case uint64:
		buf, num = strconv.AppendUint(buf, v, 10), float64(v)
	case uint32:
		buf, num = strconv.AppendUint(buf, uint64(v), 10), float64(v)
	case float64:
		buf, num = strconv.AppendFloat(buf, v, 'g', -1, 64), v
	case float32:
		buf, num = strconv.AppendFloat(buf, float64(v), 'g', -1, 32), float64(v)
	case bool:
		buf = strconv.AppendBool(buf, v)
		if v {
			num = 1
		}
	case time.Time:
		// Unix seconds with the fraction; UnixNano would overflow after 2262.
		buf, num = v.AppendFormat(buf, time.RFC3339), float64(v.Unix())+float64(v.Nanosecond())/1e9
	default:
		// Types a driver might add later still get a readable label.
		buf, num = fmt.Append(buf, v), math.NaN()
	}
	// Capped, so nothing appended later can write into this cell's text.
	*c = cell{text: buf[start:len(buf):len(buf)], num: num}
	return buf
}

// number returns the cell's finite sample value. Text must be a plain
// decimal number (DECIMAL arrives as "12.50").
func (c *cell) number() (float64, bool) {
	switch {
	case c.decimal:
		return parseDecimal(c.text)
	case c.null:
		return 0, false
	}
	return c.num, isFinite(c.num)
}

// label returns the cell's label value and whether it is valid UTF-8.
func (c *cell) label() ([]byte, bool) { return c.text, utf8.Valid(c.text) }

func isFinite(x float64) bool { return !math.IsInf(x, 0) && !math.IsNaN(x) }

// parseDecimal reads text as a plain decimal number, as SQL prints one:
// optional sign, digits, optional fraction, optional exponent. What else
// strconv.ParseFloat takes (NaN, Inf, hex, underscores) is not a number
// here, so a counter can never become NaN; nor is a value beyond float64.
func parseDecimal(b []byte) (float64, bool) {
	if !isDecimal(b) {
		return 0, false
	}
	x, err := strconv.ParseFloat(string(b), 64)
	return x, err == nil
}

func isDecimal(b []byte) bool {
	i := 0
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(b) && isDigit(b[i]); i++ {
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && isDigit(b[i]); i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		for ; i < len(b) && isDigit(b[i]); i++ {
		}
		if i == start {
			return false
		}
	}
	return i == len(b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// bitValue reads a BIT(n) column, which the driver returns as the raw
// big-endian bytes, as its unsigned integer.
func bitValue(b []byte) (uint64, bool) {
	if len(b) > 8 {
		return 0, false
	}
	var x uint64
	for _, c := range b {
		x = x<<8 | uint64(c)
	}
	return x, true
}
