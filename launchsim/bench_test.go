package launchsim_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/internal/memsql"
	"github.com/kos-ops/kos_exporter/launchsim"
	"github.com/kos-ops/kos_exporter/schema"
)

// BenchmarkLaunchDay plays one simulated day of the shipped plan on the
// in-process server, as kos_launchsim does: one step per real second of a
// virtual clock, and the shipped collectors run at their intervals as the
// exporter would. At SPEED 480 the day lasts 180 real seconds; the
// simulator keeps up (and /metrics moves every interval) when the day's
// busy time stays under that and no step takes longer than its tick: that
// is the goal, checked here. The faster speeds show the limit
// (docs/launchsim.md): the pre-order burst's first seconds.
func BenchmarkLaunchDay(b *testing.B) {
	for _, speed := range []float64{480, 960, 1920} {
		b.Run(fmt.Sprintf("speed=%g", speed), func(b *testing.B) {
			for b.Loop() {
				day := playDay(b, speed)
				b.ReportMetric(day.busy.Seconds(), "busy-s/day")
				b.ReportMetric(float64(day.maxStep.Milliseconds()), "max-step-ms")
				b.ReportMetric(day.activations, "activations/day")
				b.ReportMetric(day.activations/day.busy.Seconds(), "activations/busy-s")
				if real := time.Duration(float64(24*time.Hour) / speed); speed == goalSpeed && (day.busy > real || day.maxStep > tick) {
					b.Errorf("speed %g: a day of %s took %s busy, longest step %s (tick %s): the simulator falls behind",
						speed, real, day.busy.Round(time.Second), day.maxStep.Round(time.Millisecond), tick)
				}
			}
		})
	}
}

// goalSpeed plays a launch day in 3 minutes (issue 12).
const goalSpeed = 480

const tick = time.Second

type dayRun struct {
	busy, maxStep time.Duration
	activations   float64
}

func playDay(b *testing.B, speed float64) dayRun {
	b.Helper()
	srv, err := memsql.Start("127.0.0.1:0", "kos")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	cfg, err := mysql.ParseDSN(srv.DSN())
	if err != nil {
		b.Fatal(err)
	}
	cfg.InterpolateParams = true // as kos_launchsim connects
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	c := &clock{now: time.Now()}
	ctx := context.Background()
	sim, err := launchsim.New(ctx, db, launchsim.Options{Seed: 1, Speed: speed, Now: c.Now, Schema: schema.InProcess})
	if err != nil {
		b.Fatal(err)
	}
	collectors := loadCollectors(b)
	var run dayRun
	steps := int(float64(24*time.Hour) / speed / float64(tick))
	for i := range steps {
		c.now = c.now.Add(tick)
		began := time.Now()
		if err := sim.Step(ctx); err != nil {
			b.Fatal(err)
		}
		run.maxStep = max(run.maxStep, time.Since(began))
		for _, col := range collectors {
			if i%int(col.Interval/tick) == 0 {
				mapRows(b, db, col)
			}
		}
		run.busy += time.Since(began)
	}
	if err := db.QueryRow("SELECT SUM(requested) FROM activation_daily").Scan(&run.activations); err != nil {
		b.Fatal(err)
	}
	return run
}
