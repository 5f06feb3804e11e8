// Package chartfiles keeps the Helm chart's copies of the bundle equal to
// their sources. Helm reads only files inside the chart directory, so the
// chart carries rules/*.yaml, dashboards/*.json, both collectors files and
// bundle.yaml under
// files/; they are written by Sync, never by hand, and Check tells when
// they have drifted.
package chartfiles

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ChartDir is the chart, relative to the repository root.
const ChartDir = "deploy/helm/kos-exporter"

// FixCommand regenerates the copies.
const FixCommand = "make helm-sync"

// filesDir holds the copies, relative to the chart.
const filesDir = "files"

// Copy is one file the chart carries: Src relative to the repository root,
// Dst relative to the chart directory.
type Copy struct {
	Src, Dst string
}

// Plan lists the copies the chart must carry, sorted by Dst: each source
// keeps its relative path under files/.
func Plan(repo string) ([]Copy, error) {
	var plan []Copy
	// bundle.yaml names the job the rules select, which the chart rewrites.
	for _, pattern := range []string{"bundle.yaml", "collectors.yaml", "collectors-live.yaml", "rules/*.yaml", "dashboards/*.json"} {
		matches, err := filepath.Glob(filepath.Join(repo, pattern))
		if err != nil {
			return nil, fmt.Errorf("glob %s: %w", pattern, err)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("no file matches %s in %s", pattern, repo)
		}
		for _, m := range matches {
			src, err := filepath.Rel(repo, m)
			if err != nil {
				return nil, fmt.Errorf("path of %s: %w", m, err)
			}
			plan = append(plan, Copy{Src: filepath.ToSlash(src), Dst: filesDir + "/" + filepath.ToSlash(src)})
		}
	}
	slices.SortFunc(plan, func(a, b Copy) int { return strings.Compare(a.Dst, b.Dst) })
	return plan, nil
}

// drift is how the chart's copies differ from their sources.
type drift struct {
	missing, differing []Copy
	data               map[Copy][]byte // each outdated copy's source content
	extra              []string        // chart paths no source produces
}

func compare(repo string) (drift, error) {
	plan, err := Plan(repo)
	if err != nil {
		return drift{}, err
	}
	chart := filepath.Join(repo, ChartDir)
	d := drift{data: map[Copy][]byte{}}
	for _, c := range plan {
		want, err := os.ReadFile(filepath.Join(repo, c.Src))
		if err != nil {
			return drift{}, fmt.Errorf("read source: %w", err)
		}
		got, err := os.ReadFile(filepath.Join(chart, c.Dst))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			d.missing = append(d.missing, c)
		case err != nil:
			return drift{}, fmt.Errorf("read copy: %w", err)
		case bytes.Equal(got, want):
			continue
		default:
			d.differing = append(d.differing, c)
		}
		d.data[c] = want
	}
	d.extra, err = strays(chart, plan)
	return d, err
}

// Check returns one line per copy that is missing or differs from its
// source and per file under files/ that no source produces; none when the
// chart is current.
func Check(repo string) ([]string, error) {
	d, err := compare(repo)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, c := range d.missing {
		problems = append(problems, fmt.Sprintf("%s/%s is missing (copy of %s)", ChartDir, c.Dst, c.Src))
	}
	for _, c := range d.differing {
		problems = append(problems, fmt.Sprintf("%s/%s differs from %s", ChartDir, c.Dst, c.Src))
	}
	for _, e := range d.extra {
		problems = append(problems, fmt.Sprintf("%s/%s has no source", ChartDir, e))
	}
	return problems, nil
}

// Sync writes every copy that is missing or differs and removes the files
// under files/ that no source produces. It returns what it changed, chart
// paths, so an unchanged chart yields nothing.
func Sync(repo string) ([]string, error) {
	d, err := compare(repo)
	if err != nil {
		return nil, err
	}
	chart := filepath.Join(repo, ChartDir)
	var changed []string
	for _, c := range slices.Concat(d.missing, d.differing) {
		dst := filepath.Join(chart, c.Dst)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, fmt.Errorf("copy %s: %w", c.Src, err)
		}
		if err := os.WriteFile(dst, d.data[c], 0o644); err != nil {
			return nil, fmt.Errorf("copy %s: %w", c.Src, err)
		}
		changed = append(changed, c.Dst)
	}
	for _, e := range d.extra {
		if err := os.Remove(filepath.Join(chart, e)); err != nil {
			return nil, fmt.Errorf("remove stale copy: %w", err)
		}
		changed = append(changed, e)
	}
	slices.Sort(changed)
	return changed, nil
}

// strays lists the files under the chart's files/ that are not in plan.
func strays(chart string, plan []Copy) ([]string, error) {
	var extra []string
	err := filepath.WalkDir(filepath.Join(chart, filesDir), func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // no copies yet: Check lists them as missing
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(chart, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !slices.ContainsFunc(plan, func(c Copy) bool { return c.Dst == rel }) {
			extra = append(extra, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s/%s: %w", ChartDir, filesDir, err)
	}
	return extra, nil
}

// FindRepo returns the repository root: dir or the nearest parent holding
// the chart.
func FindRepo(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ChartDir, "Chart.yaml")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no %s/Chart.yaml in %s or its parents", ChartDir, abs)
		}
	}
}
