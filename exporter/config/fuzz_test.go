package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.yml")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz.yml")
		if (cfg == nil) == (err == nil) {
			t.Fatalf("Parse returned config %v and error %v; want exactly one", cfg != nil, err)
		}
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error is %T %v, want non-empty Errors", err, err)
			}
			for i, e := range errs {
				if e.more > 0 {
					if i != len(errs)-1 || i != MaxErrors || errs.Total() <= MaxErrors {
						t.Errorf("summary %q at %d of %d, total %d", e, i, len(errs), errs.Total())
					}
					continue
				}
				if e.Pos.File != "fuzz.yml" || e.Pos.Line < 1 {
					t.Errorf("error %q has position %v", e, e.Pos)
				}
				if i > 0 && e.Pos.Line < errs[i-1].Pos.Line {
					t.Errorf("errors not ordered by line:\n%v", err)
				}
			}
			return
		}
		for _, c := range cfg.Collectors {
			if cfg.Target(c.Target) == nil {
				t.Errorf("collector %q refers to unknown target %q", c.Name, c.Target)
			}
			if c.Timeout > c.Interval || c.Staleness < c.Interval || c.MaxSeries < 1 || len(c.Metrics) == 0 {
				t.Errorf("collector %q has an invalid schedule or no metrics: %+v", c.Name, c)
			}
		}
	})
}
