#!/usr/bin/env bash
# Builds the real prometheus and alertmanager binaries the end-to-end harness
# runs, at the versions tools/promtool/go.mod pins, into $1 (default
# .build/bin). Cached: does nothing when both are there and go.mod is older.
#
# Prometheus is a `tool` of tools/promtool/go.mod. Alertmanager (the version
# that go.mod requires) is built in its own module: its zip lacks the compiled
# web UI (ui/app/dist, a go:embed target), so the copy's ui package serves
# nothing; the harness uses the API only. When the Go build fails and
# apt-get is there, Debian's prometheus and prometheus-alertmanager packages
# are used instead.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
out=$(realpath -m "${1:-.build/bin}")
mod=tools/promtool/go.mod
mkdir -p "$out"

if [ "$out/prometheus" -nt "$mod" ] && [ "$out/alertmanager" -nt "$mod" ]; then
	exit 0
fi

build() {
	rm -f "$out/prometheus" "$out/alertmanager"
	$GO build -modfile="$mod" -o "$out/prometheus" github.com/prometheus/prometheus/cmd/prometheus || return 1
	# Alertmanager v0.35.0 needs automemlimit v0.7 where Prometheus v0.316.0
	# needs v1.0 (one go.mod cannot hold both), so it is built in its own
	# module, from a copy whose ui package serves nothing.
	local src work
	src=$($GO list -modfile="$mod" -m -f '{{.Dir}}' github.com/prometheus/alertmanager) || return 1
	work=$(realpath -m .build/alertmanager-src)
	rm -rf "$work" && cp -r "$src" "$work" && chmod -R u+w "$work" || return 1
	rm -f "$work/ui/web_test.go"
	cat >"$work/ui/web.go" <<'GO'
// Package ui is replaced for kos_exporter's end-to-end build: no web UI.
package ui

import "github.com/prometheus/common/route"

// Register serves no UI; the harness uses the API only.
func Register(*route.Router) {}
GO
	(cd "$work" && $GO build -mod=mod -o "$out/alertmanager" \
		-ldflags "-X github.com/prometheus/common/version.Version=${src##*@v}" ./cmd/alertmanager)
}

apt_fallback() {
	command -v apt-get >/dev/null || return 1
	echo "getbins: Go build failed; installing Debian's prometheus and prometheus-alertmanager" >&2
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus prometheus-alertmanager >/dev/null
	rm -f "$out/prometheus" "$out/alertmanager"
	ln -s "$(command -v prometheus)" "$out/prometheus"
	ln -s "$(command -v prometheus-alertmanager)" "$out/alertmanager"
}

start=$(date +%s)
echo "getbins: building prometheus and alertmanager (pinned in $mod) into $out for the end-to-end run:" \
	"about 10 min on 2 cores the first time, cached after" >&2
if ! build; then
	apt_fallback || { echo "getbins: no prometheus/alertmanager" >&2; exit 1; }
fi
echo "getbins: prometheus and alertmanager ready in $out ($(($(date +%s) - start)) s)" >&2
