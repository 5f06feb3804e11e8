package sqlrun

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kos-ops/kos_exporter/exporter/config"
	"github.com/kos-ops/kos_exporter/exporter/result"
	"github.com/kos-ops/kos_exporter/internal/mysqltest"
)

// dayCollector counts agency calls since midnight in two parts: a counter
// by agency and latency bucket, and a histogram of the latency, from the
// same query. Settle 5m,
// margin 1m.
func dayCollector(t *testing.T) *config.Collector {
	t.Helper()
	return parseCollector(t, `
name: agency_calls
since_midnight: {settle: 5m, margin: 1m}
sql: |
  SELECT agency, CASE WHEN ms <= 100 THEN '100' ELSE '+Inf' END AS bucket, COUNT(*) AS calls, SUM(ms) AS ms_sum
  FROM calls WHERE called_at >= ? AND called_at < ?
  GROUP BY agency, CASE WHEN ms <= 100 THEN '100' ELSE '+Inf' END
max_series: 100
metrics:
  - {name: kos_agency_calls_total, type: counter, help: Calls., labels: [agency, bucket], value: calls}
  - {name: kos_agency_call_ms, type: histogram, help: Latency., labels: [agency], bucket_column: bucket, buckets: [100], value: calls, sum: ms_sum}`)
}

// fullCount is what one query over the whole day gives, rendered like
// dayValues renders a run: the truth the two parts must add up to.
func fullCount(t *testing.T, db *mysqltest.DB, day string) string {
	t.Helper()
	conn := db.OpenInterpolated(t)
	_, rows := mysqltest.Rows(t, conn, fmt.Sprintf(`SELECT agency, COUNT(*), SUM(ms <= 100), SUM(ms) FROM calls
		WHERE called_at >= '%s 00:00:00' AND called_at < '%s 00:00:00' + INTERVAL 1 DAY GROUP BY agency ORDER BY agency`, day, day))
	var lines []string
	for _, r := range rows {
		lines = append(lines, fmt.Sprintf("%s calls=%s le100=%s sum=%s", r[0].String, r[1].String, r[2].String, r[3].String))
	}
	return strings.Join(lines, "\n")
}

// dayValues renders a run's counter and histogram per agency, sorted.
func dayValues(t *testing.T, tgt *Target, c *config.Collector, d *Day) (string, []Part) {
	t.Helper()
	res, parts, err := tgt.RunDay(context.Background(), c, d)
	if err != nil {
		t.Fatalf("RunDay: %v", err)
	}
	var ran []Part
	for _, p := range parts {
		ran = append(ran, p.Part)
	}
	calls := map[string]float64{}
	for _, m := range res.Families[0].All() {
		calls[m.Label[0].GetValue()] += m.GetCounter().GetValue()
	}
	var lines []string
	for _, m := range res.Families[1].All() {
		agency, h := m.Label[0].GetValue(), m.GetHistogram()
		if float64(h.GetSampleCount()) != calls[agency] {
			t.Errorf("%s: histogram counts %d calls, counter %g", agency, h.GetSampleCount(), calls[agency])
		}
		lines = append(lines, fmt.Sprintf("%s calls=%g le100=%d sum=%g", agency, calls[agency], h.Bucket[0].GetCumulativeCount(), h.GetSampleSum()))
	}
	if len(lines) != len(calls) {
		t.Errorf("%d histogram series for %d counter series", len(lines), len(calls))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n"), ran
}

// A step of a day: rows committed, then a run with the database's clock
// reading now.
type dayStep struct {
	insert []string // VALUES tuples (agency, ms, called_at)
	now    string
	parts  []Part
	// late is how many calls the run may not count yet (committed after
	// the base, timestamped before its mark); 0: the run equals a count
	// over the whole day.
	late int
}

func TestRunDay(t *testing.T) {
	base, advance := []Part{PartBase, PartRecent}, []Part{PartAdvance, PartRecent}
	tests := []struct {
		name  string
		steps []dayStep
	}{
		{"totals follow inserts between runs", []dayStep{
			{insert: []string{"('sgi', 50, '2026-11-29 23:59:59')", "('sgi', 50, '2026-11-30 00:00:00')", "('kait', 300, '2026-11-30 08:00:00')"},
				now: "2026-11-30 12:00:00", parts: base},
			{insert: []string{"('sgi', 20, '2026-11-30 11:59:30')", "('nice', 150, '2026-11-30 12:00:10')"}, now: "2026-11-30 12:00:15", parts: advance},
			{insert: []string{"('kait', 90, '2026-11-30 12:00:14')", "('sgi', 400, '2026-11-30 12:04:59.999999')"}, now: "2026-11-30 12:04:59.999999", parts: advance},
			// Settle: the base moves to 12:04, the calls since 11:59 leave
			// the recent part for it, counted once.
			{insert: []string{"('mobins', 10, '2026-11-30 12:05:00')"}, now: "2026-11-30 12:05:00", parts: base},
			{insert: []string{"('mobins', 10, '2026-12-01 00:00:00')", "('sgi', 10, '2026-12-01 03:00:00')"}, now: "2026-11-30 12:05:15", parts: advance},
		}},
		{"late commit counted after the next settle", []dayStep{
			{insert: []string{"('sgi', 50, '2026-11-30 09:00:00')"}, now: "2026-11-30 12:00:00", parts: base},
			// Timestamped before the mark (11:59), committed after the base.
			{insert: []string{"('sgi', 60, '2026-11-30 11:58:00')", "('kait', 500, '2026-11-30 11:59:30')"}, now: "2026-11-30 12:01:00", parts: advance, late: 1},
			{now: "2026-11-30 12:04:00", parts: advance, late: 1},
			{now: "2026-11-30 12:05:00", parts: base},
		}},
		{"date change restarts at midnight", []dayStep{
			{insert: []string{"('sgi', 50, '2026-11-30 23:00:00')", "('kait', 300, '2026-11-30 23:59:59.5')"}, now: "2026-11-30 23:59:30", parts: base},
			// The mark (23:59:30 - 1m) would be yesterday: it is midnight.
			{insert: []string{"('sgi', 70, '2026-12-01 00:00:05')"}, now: "2026-12-01 00:00:30", parts: base},
			// The mark stays at midnight for the first minute: no advance.
			{insert: []string{"('nice', 70, '2026-12-01 00:00:40')", "('sgi', 200, '2026-11-30 23:59:59.9')"}, now: "2026-12-01 00:00:45", parts: []Part{PartRecent}},
			{insert: []string{"('nice', 70, '2026-12-01 00:00:50')"}, now: "2026-12-01 00:01:45", parts: advance},
		}},
		{"the mark stays when the clock has not moved", []dayStep{
			{insert: []string{"('sgi', 50, '2026-11-30 09:00:00')"}, now: "2026-11-30 12:00:00", parts: base},
			{insert: []string{"('sgi', 60, '2026-11-30 11:59:10')"}, now: "2026-11-30 12:00:00", parts: []Part{PartRecent}},
			// The advance passes the row it counted as recent, once.
			{insert: []string{"('kait', 60, '2026-11-30 11:59:20')"}, now: "2026-11-30 12:00:30", parts: advance},
		}},
		{"clock going back recounts", []dayStep{
			{insert: []string{"('sgi', 50, '2026-11-30 09:00:00')"}, now: "2026-11-30 12:00:00", parts: base},
			{insert: []string{"('sgi', 60, '2026-11-30 11:00:00')"}, now: "2026-11-30 11:59:00", parts: base},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := mysqltest.New(t)
			db.Exec(t, "CREATE TABLE calls (id INT AUTO_INCREMENT PRIMARY KEY, agency VARCHAR(20) NOT NULL, ms INT NOT NULL, called_at DATETIME(6) NOT NULL, KEY (called_at))")
			tgt := openTarget(t, db.DSN)
			c := dayCollector(t)
			d := NewDay()
			for i, st := range tt.steps {
				for _, v := range st.insert {
					db.Exec(t, "INSERT INTO calls (agency, ms, called_at) VALUES "+v)
				}
				d.clock = fmt.Sprintf("SELECT '%s'", st.now)
				got, parts := dayValues(t, tgt, c, d)
				if !slices.Equal(parts, st.parts) {
					t.Errorf("step %d: ran %v, want %v", i, parts, st.parts)
				}
				want := fullCount(t, db, st.now[:10])
				if st.late > 0 {
					if got == want {
						t.Errorf("step %d: counted the late call before the next settle:\n%s", i, got)
					}
					continue
				}
				if got != want {
					t.Errorf("step %d at %s:\n got %s\nwant %s", i, st.now, got, want)
				}
			}
		})
	}
}

// Reset, what a reload does, counts the base again at the next run, and
// with it a call committed late.
func TestRunDayReset(t *testing.T) {
	db := mysqltest.New(t)
	db.Exec(t, "CREATE TABLE calls (id INT AUTO_INCREMENT PRIMARY KEY, agency VARCHAR(20) NOT NULL, ms INT NOT NULL, called_at DATETIME(6) NOT NULL, KEY (called_at))",
		"INSERT INTO calls (agency, ms, called_at) VALUES ('sgi', 50, '2026-11-30 09:00:00')")
	tgt := openTarget(t, db.DSN)
	c, d := dayCollector(t), NewDay()
	d.clock = "SELECT '2026-11-30 12:00:00'"
	if _, parts := dayValues(t, tgt, c, d); len(parts) != 2 {
		t.Fatalf("first run: %v, want base and recent", parts)
	}
	db.Exec(t, "INSERT INTO calls (agency, ms, called_at) VALUES ('sgi', 60, '2026-11-30 11:00:00')")
	d.clock = "SELECT '2026-11-30 12:00:15'"
	if got, parts := dayValues(t, tgt, c, d); slices.Contains(parts, PartBase) || strings.Contains(got, "calls=2") {
		t.Fatalf("before the reset: ran %v, got %s; want no base, and the late call not counted", parts, got)
	}
	d.Reset()
	got, parts := dayValues(t, tgt, c, d)
	if want := fullCount(t, db, "2026-11-30"); got != want || len(parts) != 2 {
		t.Errorf("after the reset: ran %v, got %s; want base and recent, %s", parts, got, want)
	}
}

// With the database's own clock, NOW(6) read as text or, with parseTime,
// as a time: the day is the database's CURDATE(). (A run straddling
// midnight would count the new day, which the check below would call a
// failure.)
func TestRunDayDatabaseClock(t *testing.T) {
	for _, params := range []string{"", "parseTime=true&loc=Asia%2FSeoul"} {
		t.Run("params="+params, func(t *testing.T) {
			db := mysqltest.New(t)
			db.Exec(t, "CREATE TABLE calls (id INT AUTO_INCREMENT PRIMARY KEY, agency VARCHAR(20) NOT NULL, ms INT NOT NULL, called_at DATETIME(6) NOT NULL, KEY (called_at))",
				"INSERT INTO calls (agency, ms, called_at) VALUES ('sgi', 50, CURDATE()), ('kait', 500, CURDATE() - INTERVAL 1 SECOND), ('sgi', 70, NOW(6))")
			dsn := db.DSN
			if params != "" {
				sep := "?"
				if strings.Contains(dsn, "?") {
					sep = "&"
				}
				dsn += sep + params
			}
			tgt := openTarget(t, dsn)
			c, d := dayCollector(t), NewDay()
			conn := db.OpenInterpolated(t)
			dbNow := func() time.Time {
				_, rows := mysqltest.Rows(t, conn, "SELECT DATE_FORMAT(NOW(6), '%Y-%m-%d %H:%i:%s.%f')")
				now, err := time.Parse("2006-01-02 15:04:05.999999", rows[0][0].String)
				if err != nil {
					t.Fatal(err)
				}
				return now
			}
			before := dbNow()
			got, parts := dayValues(t, tgt, c, d)
			after := dbNow()
			if want := fullCount(t, db, after.Format("2006-01-02")); got != want || len(parts) != 2 {
				t.Errorf("ran %v, got %s; want base and recent, %s", parts, got, want)
			}
			// The mark is the database's clock less the margin, read
			// between before and after (or midnight, just after it).
			lo, hi := before.Add(-time.Minute), after.Add(-time.Minute)
			if midnight := after.Truncate(24 * time.Hour); lo.Before(midnight) {
				lo = midnight
			}
			if d.mark.Before(lo) || d.mark.After(hi.Add(time.Microsecond)) && !d.mark.Equal(after.Truncate(24*time.Hour)) {
				t.Errorf("mark %s, want the database's NOW(6) − 1m, between %s and %s", d.mark, lo, hi)
			}
		})
	}
}

// Values skipped by the base or the advance are reported by the run that
// counted them, with the recent part's.
func TestRunDaySkipped(t *testing.T) {
	db := mysqltest.New(t)
	db.Exec(t, "CREATE TABLE calls (id INT AUTO_INCREMENT PRIMARY KEY, agency VARCHAR(20) NOT NULL, ms INT NOT NULL, called_at DATETIME(6) NOT NULL, KEY (called_at))",
		"INSERT INTO calls (agency, ms, called_at) VALUES ('sgi', 50, '2026-11-30 09:00:00'), ('kait', 50, '2026-11-30 11:59:30'), ('nice', 50, '2026-11-30 12:00:20')")
	tgt := openTarget(t, db.DSN)
	// A NULL value for every agency: one skip per agency in each part.
	c := parseCollector(t, `
name: calls
since_midnight: {settle: 5m, margin: 1m}
sql: SELECT agency, NULL AS n FROM calls WHERE called_at >= ? AND called_at < ? GROUP BY agency
metrics:
  - {name: kos_calls_total, type: counter, help: Calls., labels: [agency], value: n}`)
	d := NewDay()
	for _, st := range []struct {
		now  string
		want int // skipped values: base or advance, plus recent
	}{
		{"2026-11-30 12:00:00", 1 + 2}, // base [00:00, 11:59): sgi; recent: kait, nice
		{"2026-11-30 12:01:00", 1 + 1}, // advance [11:59, 12:00): kait; recent: nice
		{"2026-11-30 12:01:30", 1 + 0}, // advance [12:00, 12:00:30): nice; recent: none
	} {
		d.clock = fmt.Sprintf("SELECT '%s'", st.now)
		res, _, err := tgt.RunDay(context.Background(), c, d)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Skipped[result.Skip{Metric: "kos_calls_total", Column: "n", Reason: result.SkipNullValue}]; got != st.want {
			t.Errorf("at %s: %d values skipped, want %d (%v)", st.now, got, st.want, res.Skipped)
		}
	}
}
