// Command benchdb measures what kos_exporter's collectors cost a real
// MySQL/MariaDB, as `make bench-db` runs it: it loads launch-day scenarios
// with kos_launchsim's bulk loader (launchsim.Load), runs every collector of
// each collectors file a number of times on each, and reports per collector
// the server's time per run (performance_schema statement digests, or the
// slow log at long_query_time=0 where performance_schema is off), rows
// examined against rows sent and the plan (EXPLAIN: which index, any full
// scan of a table over 10 k rows), then the whole set's database time per
// 15 s interval. It prints Markdown (docs/bench-db.md).
package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/kos-ops/kos_exporter/internal/cli"
)

func main() { cli.Main(run) }

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := cli.New("benchdb", "Measures the database cost of collectors files on launch-day scenarios loaded into a real MySQL/MariaDB; prints Markdown.", stdout, stderr)
	var o options
	app.Flag("mysql.dsn", "Server to measure on: go-sql-driver DSN of an account that may create databases, set global slow-log variables (where performance_schema is off) and read mysql.slow_log or performance_schema; the database part is ignored.").Default("root@tcp(127.0.0.1:3306)/").Envar("KOS_BENCHDB_DSN").StringVar(&o.dsn)
	app.Flag("prefix", "Scenario databases are named PREFIX_<scenario>; they are dropped and loaded again unless --reuse.").Default("kos_benchdb").StringVar(&o.prefix)
	app.Flag("config", "Collectors file to measure; repeatable.").Default("collectors.yaml", "collectors-live.yaml").StringsVar(&o.configs)
	app.Flag("history-days", "Days of history of the history scenario.").Default("90").IntVar(&o.historyDays)
	app.Flag("activations", "Launch-day activations of every scenario (the plan's volumes scale with them).").Default("45000").IntVar(&o.activations)
	app.Flag("runs", "Runs of each collector per scenario and file.").Default("20").IntVar(&o.runs)
	app.Flag("reuse", "Keep scenario databases loaded by an earlier run with the same volumes.").BoolVar(&o.reuse)
	app.Flag("scenario", "Scenarios to run (start, peak, evening, history); default all.").StringsVar(&o.scenarios)
	if code, done := app.Parse(args); done {
		return code
	}
	if err := bench(ctx, app.Logger(), stdout, stderr, o); err != nil {
		fmt.Fprintln(stderr, "benchdb:", err)
		return 1
	}
	return 0
}

// options are the command's flags.
type options struct {
	dsn, prefix string
	configs     []string
	historyDays int
	activations int
	runs        int
	reuse       bool
	scenarios   []string
}

// describe is what bench will do and about how long it takes, printed
// before it starts.
func describe(o options, scs []scenario) string {
	var b strings.Builder
	fmt.Fprintf(&b, "benchdb: %d scenario(s) of a %d-activation launch day, each loaded into its own database by launchsim.Load:\n", len(scs), o.activations)
	for _, s := range scs {
		fmt.Fprintf(&b, "  %s_%s: %s\n", o.prefix, s.name, s.describe())
	}
	fmt.Fprintf(&b, "then %d runs of every collector in %s per scenario.\n", o.runs, strings.Join(o.configs, " and "))
	fmt.Fprintf(&b, "Takes about %s on 2 shared cores (a launch day loads in 5-20 s, 90 days of history in about 11 min; --reuse skips loaded scenarios).\n",
		estimate(o, scs).Round(time.Minute))
	return b.String()
}

// estimate is a rough duration: load speed measured on the 2-core machine,
// plus a second per collector run.
func estimate(o options, scs []scenario) time.Duration {
	var d time.Duration
	for _, s := range scs {
		if !o.reuse {
			d += time.Duration(s.historyDays+1) * 7 * time.Second * time.Duration(o.activations) / 45000
		}
		d += time.Duration(len(o.configs)*16*o.runs) * 25 * time.Millisecond
	}
	return d + time.Minute
}
