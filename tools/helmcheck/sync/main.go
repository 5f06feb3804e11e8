// Command sync copies the bundle (collectors.yaml, rules/*.yaml,
// dashboards/*.json) into the Helm chart's files/ directory, removing
// copies whose source is gone: `make helm-sync` runs it after any change
// to those files.
package main

import (
	"fmt"
	"os"

	"github.com/kos-ops/kos_exporter/tools/helmcheck/chartfiles"
)

func main() {
	os.Exit(run())
}

func run() int {
	repo, err := chartfiles.FindRepo(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "helm-sync:", err)
		return 1
	}
	changed, err := chartfiles.Sync(repo)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helm-sync:", err)
		return 1
	}
	for _, c := range changed {
		fmt.Printf("helm-sync: %s/%s\n", chartfiles.ChartDir, c)
	}
	if len(changed) == 0 {
		fmt.Println("helm-sync: chart files are current")
	}
	return 0
}
