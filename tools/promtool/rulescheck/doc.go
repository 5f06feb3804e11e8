// Package rulescheck holds the tests that tie the alerting bundle in rules/
// to the rest of the repository: every metric a rule reads is one the
// exporter produces (collectors.yaml, self-metrics), every alert follows the
// conventions, is tested and has a runbook, and Alertmanager routes and
// inhibits each alert as intended, the chat templates render every alert,
// and examples/prometheus.yml loads the bundle and scrapes as the rules
// expect.
//
// It lives in the tools/promtool module so that the exporter's own go.mod
// does not carry Prometheus and Alertmanager.
package rulescheck
