// Package e2e is kos_exporter's end-to-end harness: the launch-day
// simulator, the exporter on the shipped collectors.yaml, real Prometheus
// servers on the shipped rules and real Alertmanagers on the shipped routing,
// all on 127.0.0.1, with a webhook receiver that records every notification.
//
// Its tests carry the build tag e2e, so `go test ./...` does not run them;
// `make e2e` does (docs/e2e.md).
package e2e
