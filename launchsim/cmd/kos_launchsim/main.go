// Command kos_launchsim simulates a KOS launch day in a MySQL-protocol
// database for kos_exporter to watch: its own in-process server on --listen,
// or an existing database given --mysql.dsn.
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/internal/cli"
	"github.com/kos-ops/kos_exporter/internal/memsql"
	"github.com/kos-ops/kos_exporter/launchsim"
	"github.com/kos-ops/kos_exporter/launchsim/admin"
	"github.com/kos-ops/kos_exporter/schema"
)

func main() { cli.Main(run) }

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := cli.New("kos_launchsim", "Simulates a carrier's launch day in the KOS reference schema.", stdout, stderr)
	var historySet bool
	var (
		listen    = app.Flag("listen", "Address of the in-process MySQL-protocol server (database kos, user root, no password); unused with --mysql.dsn.").Default("127.0.0.1:3307").String()
		dsn       = app.Flag("mysql.dsn", "Write into this existing MySQL/MariaDB database instead (go-sql-driver DSN); missing tables are created.").Envar("KOS_LAUNCHSIM_DSN").String()
		speed     = app.Flag("speed", "Simulated seconds per real second (60: one launch-day hour per minute; 480: the day in 3 minutes). Timestamps stay real.").Default("60").Float64()
		plan      = app.Flag("plan", "Launch-plan YAML file (line-up, mix, volumes, opening, hourly shape); default the shipped plan (launchsim/plans/default.yaml).").PlaceHolder("FILE").String()
		start     = app.Flag("start", "Simulated time to start at: HH:MM today in the plan's time zone, or RFC 3339; default the plan's opening today (08:00 Asia/Seoul), whenever the process starts.").String()
		seed      = app.Flag("seed", "Random seed; the same seed replays the same day.").Default("1").Uint64()
		daily     = app.Flag("activations.daily", "Override the plan's activations per day; its pre-orders and ports scale with them.").Int()
		retention = app.Flag("retention", "How long finished rows stay in the live tables, with the agency and product call logs; 0 deletes them as they finish and logs no call (collectors.yaml needs neither; collectors-live.yaml needs a day). The in-process server slows down with every row its tables hold.").Default("0s").Duration()
		incidents = app.Flag("incident", "Inject an incident: name or name@offset (real time after start). Repeatable. One of: "+strings.Join(launchsim.IncidentNames(), ", ")).Strings()
		switches  = app.Flag("switch", "Change a switch: name[=on|off][@offset]. Repeatable. One of: "+strings.Join(launchsim.SwitchNames(), ", ")).Strings()
		blip      = app.Flag("blip.length", "How long each agency error blip of the agency_blips incident lasts (real time); one starts every 8 lengths.").Default("30s").Duration()
		history   = app.Flag("history-days", "Bulk-load this many days of history and the launch day up to --start into --mysql.dsn (the KOS tables are emptied first), then exit; with 0 only the launch day. Unset: play the day live.").PlaceHolder("N").IsSetByUser(&historySet).Int()
		adminAddr = app.Flag("admin.listen", "Address of the HTTP admin API (GET /incidents, POST|DELETE /incidents/{name}, POST /switches/{name}?on=); empty disables it.").Default("127.0.0.1:9180").String()
	)
	if code, done := app.Parse(args); done {
		return code
	}
	logger := app.Logger()
	o := options{listen: *listen, dsn: *dsn, speed: *speed, plan: *plan, start: *start, seed: *seed, daily: *daily,
		retention: *retention, blip: *blip, incidents: *incidents, switches: *switches, adminAddr: *adminAddr, load: historySet, historyDays: *history}
	if err := simulate(ctx, logger, o); err != nil {
		fmt.Fprintln(stderr, "kos_launchsim:", err)
		return 1
	}
	return 0
}

// options are the command's flags.
type options struct {
	listen, dsn, adminAddr string
	plan, start            string
	speed                  float64
	seed                   uint64
	daily                  int
	retention, blip        time.Duration
	incidents, switches    []string
	load                   bool // load in bulk, then exit, instead of playing live
	historyDays            int
}

// simulate serves or fills the database and runs the day until ctx ends.
func simulate(ctx context.Context, logger *slog.Logger, o options) error {
	if o.speed <= 0 || o.blip <= 0 || o.daily < 0 || o.retention < 0 || o.historyDays < 0 {
		return errors.New("--speed must be positive, --blip.length positive, --activations.daily, --retention and --history-days not negative")
	}
	plan := launchsim.DefaultPlan()
	if o.plan != "" {
		var err error
		if plan, err = launchsim.LoadPlan(o.plan); err != nil {
			return fmt.Errorf("--plan: %w", err)
		}
	}
	if o.daily > 0 {
		plan = plan.WithActivations(o.daily)
	}
	opt := launchsim.Options{Seed: o.seed, Speed: o.speed, Plan: &plan, Retention: o.retention, BlipLength: o.blip, Logger: logger}
	if o.start != "" {
		var err error
		if opt.Start, err = launchsim.ParseStart(o.start, time.Now(), plan.Location()); err != nil {
			return fmt.Errorf("--start: %w", err)
		}
	}
	for _, spec := range o.incidents {
		a, err := launchsim.ParseIncident(spec)
		if err != nil {
			return fmt.Errorf("--incident: %w", err)
		}
		opt.Schedule = append(opt.Schedule, a)
	}
	for _, spec := range o.switches {
		a, err := launchsim.ParseSwitch(spec)
		if err != nil {
			return fmt.Errorf("--switch: %w", err)
		}
		opt.Schedule = append(opt.Schedule, a)
	}

	if o.load {
		return load(ctx, logger, o.dsn, opt, o.historyDays)
	}

	ctx, stop := context.WithCancel(ctx)
	defer stop()

	target := o.dsn
	if target == "" {
		opt.Schema = schema.InProcess
		srv, err := memsql.Start(o.listen, "kos")
		if err != nil {
			return err
		}
		defer srv.Close()
		target = srv.DSN()
		logger.Info("serving the KOS schema", "addr", srv.Addr, "dsn", target)
	}
	db, err := openDB(target)
	if err != nil {
		return err
	}
	defer db.Close()

	sim, err := launchsim.New(ctx, db, opt)
	if err != nil {
		return err
	}
	if o.adminAddr != "" {
		srv := &http.Server{Addr: o.adminAddr, Handler: admin.Handler(sim), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("admin API stopped", "err", err)
				stop()
			}
		}()
		defer shutdown(srv)
		logger.Info("admin API", "addr", o.adminAddr)
	}
	logger.Info("launch day started", "plan", plan.Name(), "simulated_time", sim.Clock().Format(time.RFC3339), "speed", o.speed, "seed", o.seed)
	return sim.Run(ctx)
}

// load fills the database named by dsn in bulk and reports the time taken.
func load(ctx context.Context, logger *slog.Logger, dsn string, opt launchsim.Options, days int) error {
	if dsn == "" {
		return errors.New("--history-days needs --mysql.dsn: the in-process server keeps nothing")
	}
	db, err := openDB(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	logger.Info("loading", "history_days", days, "plan", opt.Plan.Name(), "activations_per_day", opt.Plan.Activations(), "seed", opt.Seed)
	st, err := launchsim.Load(ctx, db, opt, launchsim.History{Days: days})
	if err != nil {
		return err
	}
	logger.Info("loaded", "rows", st.Rows, "insert", st.Generate.Round(time.Millisecond), "indexes", st.Index.Round(time.Millisecond), "total", st.Total.Round(time.Millisecond))
	return nil
}

// openDB sends statement arguments inline: the simulator's statements run
// once each, so server-side prepares would only triple the round trips.
func openDB(dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		// The driver's message can quote parts of the DSN, password included.
		return nil, errors.New("--mysql.dsn: not a valid go-sql-driver DSN (user:password@tcp(host:port)/database)")
	}
	cfg.InterpolateParams = true
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", cfg.Addr, err)
	}
	return db, nil
}

func shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
}
