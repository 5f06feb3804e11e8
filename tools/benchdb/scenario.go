package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/launchsim"
)

// scenario is a database state: the launch day up to a time of day on the
// database's clock, on top of days of history.
type scenario struct {
	name        string
	clock       time.Duration // time of day the database reads when loaded
	historyDays int
}

func (s scenario) describe() string {
	h := "no history"
	if s.historyDays > 0 {
		h = fmt.Sprintf("%d days of history", s.historyDays)
	}
	return fmt.Sprintf("the launch day up to %s, %s", clockString(s.clock), h)
}

func clockString(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

// scenarios are the day's start (the 08:00 opening, nothing done yet), the
// peak (08:30: the pre-order burst just over, the most items in flight),
// the evening (20:00: the most rows since midnight, what the live
// counters read) and the peak on top of the history.
func scenarios(o options) ([]scenario, error) {
	all := []scenario{
		{"start", 8 * time.Hour, 0},
		{"peak", 8*time.Hour + 30*time.Minute, 0},
		{"evening", 20 * time.Hour, 0},
		{"history", 8*time.Hour + 30*time.Minute, o.historyDays},
	}
	if len(o.scenarios) == 0 {
		return all, nil
	}
	var out []scenario
	for _, name := range o.scenarios {
		i := slices.IndexFunc(all, func(s scenario) bool { return s.name == name })
		if i < 0 {
			return nil, fmt.Errorf("--scenario %q: want start, peak, evening or history", name)
		}
		out = append(out, all[i])
	}
	return out, nil
}

// loaded is a scenario's database, ready to measure.
type loaded struct {
	scenario
	db   *sql.DB // sessions in the scenario's time zone
	load loadRecord
}

// loadRecord is kept in the scenario's database (table benchdb_load), so
// --reuse knows the time zone it was loaded in and the load's figures.
type loadRecord struct {
	zone                                 string
	activations, days                    int
	loadSeconds, idxSeconds              float64
	rows, activationRows, agencyCallRows int64
	loadedAt                             time.Time
	reused                               bool // by this run, not loaded
}

// load fills the scenario's database, or reuses it when asked and its
// record matches.
func load(ctx context.Context, logger *slog.Logger, server *mysql.Config, o options, sc scenario) (*loaded, error) {
	name := o.prefix + "_" + sc.name
	admin, err := openDB(server, "", "")
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	if o.reuse {
		if rec, ok := readRecord(ctx, admin, name); ok && rec.activations == o.activations && rec.days == sc.historyDays {
			rec.reused = true
			db, err := openDB(server, name, rec.zone)
			logger.Info("reusing", "database", name, "loaded_at", rec.loadedAt)
			return &loaded{scenario: sc, db: db, load: rec}, err
		}
	}
	for _, q := range []string{"DROP DATABASE IF EXISTS " + name, "CREATE DATABASE " + name} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	now := time.Now()
	zone := launchsim.ClockZone(now, sc.clock)
	db, err := openDB(server, name, zone)
	if err != nil {
		return nil, err
	}
	plan := launchsim.DefaultPlan().WithActivations(o.activations)
	y, m, d := plan.Opening(now).Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, plan.Location()).Add(sc.clock)
	logger.Info("loading", "database", name, "scenario", sc.describe(), "time_zone", zone)
	st, err := launchsim.Load(ctx, db, launchsim.Options{Seed: 1, Plan: &plan, Start: start, Now: func() time.Time { return now }, Logger: logger},
		launchsim.History{Days: sc.historyDays})
	if err != nil {
		db.Close()
		return nil, err
	}
	rec := loadRecord{zone: zone, activations: o.activations, days: sc.historyDays, loadSeconds: st.Total.Seconds(), idxSeconds: st.Index.Seconds(),
		activationRows: st.Rows["activation"], agencyCallRows: st.Rows["agency_call"], loadedAt: now}
	for _, n := range st.Rows {
		rec.rows += n
	}
	if err := writeRecord(ctx, db, rec); err != nil {
		db.Close()
		return nil, err
	}
	logger.Info("loaded", "database", name, "rows", rec.rows, "took", st.Total.Round(time.Second), "of_which_indexes", st.Index.Round(time.Second))
	return &loaded{scenario: sc, db: db, load: rec}, nil
}

func openDB(server *mysql.Config, name, zone string) (*sql.DB, error) {
	cfg := server.Clone()
	cfg.DBName = name
	cfg.InterpolateParams = true
	if zone != "" {
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		cfg.Params["time_zone"] = "'" + zone + "'"
	}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", cfg.Addr, err)
	}
	return db, nil
}

func writeRecord(ctx context.Context, db *sql.DB, r loadRecord) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE benchdb_load (time_zone VARCHAR(8) NOT NULL, activations INT NOT NULL, history_days INT NOT NULL,
		load_seconds DOUBLE NOT NULL, index_seconds DOUBLE NOT NULL, total_rows BIGINT NOT NULL,
		activation_rows BIGINT NOT NULL, agency_call_rows BIGINT NOT NULL, loaded_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("recording the load: %w", err)
	}
	_, err := db.ExecContext(ctx, "INSERT INTO benchdb_load VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.zone, r.activations, r.days, r.loadSeconds, r.idxSeconds, r.rows, r.activationRows, r.agencyCallRows, r.loadedAt.Unix())
	if err != nil {
		return fmt.Errorf("recording the load: %w", err)
	}
	return nil
}

func readRecord(ctx context.Context, admin *sql.DB, name string) (loadRecord, bool) {
	var r loadRecord
	var at int64
	err := admin.QueryRowContext(ctx, "SELECT time_zone, activations, history_days, load_seconds, index_seconds, total_rows, activation_rows, agency_call_rows, loaded_at FROM "+name+".benchdb_load").
		Scan(&r.zone, &r.activations, &r.days, &r.loadSeconds, &r.idxSeconds, &r.rows, &r.activationRows, &r.agencyCallRows, &at)
	r.loadedAt = time.Unix(at, 0)
	return r, err == nil
}
