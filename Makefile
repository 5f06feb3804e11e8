# kos_exporter — see README.md. Only Go is needed for every target here.
GO        ?= go
BIN       := bin
# Stamped the way promu stamps the official exporters (--version shows it).
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BRANCH    ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
BUILDUSER ?= $(shell whoami 2>/dev/null)@$(shell hostname 2>/dev/null)
BUILDDATE ?= $(shell date -u +%Y%m%d-%H:%M:%S)
# The commit time: the image's created label and file times, so two image
# builds of one commit are the same bytes (reproducible-builds.org).
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
LDFLAGS   := -X github.com/prometheus/common/version.Version=$(VERSION) \
             -X github.com/prometheus/common/version.Revision=$(REVISION) \
             -X github.com/prometheus/common/version.Branch=$(BRANCH) \
             -X github.com/prometheus/common/version.BuildUser=$(BUILDUSER) \
             -X github.com/prometheus/common/version.BuildDate=$(BUILDDATE)

# make run knobs: simulated speed (60 = one launch-day hour per real minute,
# 480 = the day in 3 minutes), simulated start (HH:MM or RFC 3339; default
# the plan's 08:00 opening), launch plan file (default the shipped one),
# incidents (comma separated, name or name@offset), ports.
SPEED     ?= 60
START     ?=
PLAN      ?=
INCIDENTS ?=
COLLECTORS ?=
RETENTION ?=
SIM_ADDR  ?= 127.0.0.1:3307
LISTEN    ?= :9847

.PHONY: all build run test test-go vet check-config rules-test bundle bench bench-db e2e fuzz-short clean release-bins image image-test dist dist-test helm-test helm-sync

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/kos_exporter ./exporter/cmd/kos_exporter
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/kos_launchsim ./launchsim/cmd/kos_launchsim
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/kos_report ./report/cmd/kos_report

# Static binaries for the release archives, packages and image:
# dist/bin/linux-<arch>/{kos_exporter,kos_report}, CGO_ENABLED=0, stamped.
DIST      ?= dist
ARCHES    ?= amd64 arm64
release-bins:
	@echo "release-bins: static kos_exporter and kos_report for linux $(ARCHES) (about 1 min per arch on 2 cores the first time)"
	@set -e; for arch in $(ARCHES); do \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(DIST)/bin/linux-$$arch/kos_exporter ./exporter/cmd/kos_exporter; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(DIST)/bin/linux-$$arch/kos_report ./report/cmd/kos_report; \
	done

# The container image without Docker (tools/image, go-containerregistry in
# its own go.mod): an OCI index for linux/amd64 and linux/arm64 written to
# $(DIST)/ as kos_exporter-<version>.oci (layout), .oci.tar and
# .linux-<arch>.docker.tar. The Dockerfile builds the same image with Docker.
image: release-bins
	@echo "image: OCI image index for linux amd64 and arm64 into $(DIST)/ (about 20 s; building tools/image the first time adds about 1 min)"
	$(GO) -C tools/image run . --version '$(VERSION)' --revision '$(REVISION)' --source-date-epoch '$(SOURCE_DATE_EPOCH)' \
	  --bin-dir '$(abspath $(DIST))/bin' --repo '$(CURDIR)' --out '$(abspath $(DIST))'

# Release artefacts (README "Install"): per architecture the archive, the deb
# and the rpm, and SHA256SUMS, written by tools/dist (its own module: nfpm).
# The file stamps are the commit's time; older artefacts are removed, so
# SHA256SUMS lists every archive and package in dist/.
dist: release-bins
	@echo "dist: archive, deb and rpm for linux $(ARCHES) into $(DIST)/ (5-10 s per arch; the first build of tools/dist and nfpm takes a few minutes)"
	rm -f $(DIST)/*.tar.gz $(DIST)/*.deb $(DIST)/*.rpm $(DIST)/SHA256SUMS
	$(GO) -C tools/dist run . --root '$(CURDIR)' --version '$(VERSION)' --bin-dir '$(CURDIR)/$(DIST)/bin' \
	  --out-dir '$(CURDIR)/$(DIST)' --arch '$(ARCHES)' --mtime '$(SOURCE_DATE_EPOCH)'

# The release, tested (tools/dist): make release-bins for amd64 with a test
# stamp, then an archive, deb and rpm read back with Go alone (dpkg-deb,
# sha256sum and systemd-analyze as extra checks where installed), and the
# packaged exporter and report run as their units start them.
# CGO_ENABLED=0: the rpm reader's zstd would otherwise compile C.
dist-test:
	@echo "dist-test: linux/amd64 release binaries, then an archive, deb and rpm built, read back and run on the simulator (about 1 min warm; the first build of tools/dist and nfpm takes a few minutes)"
	cd tools/dist && CGO_ENABLED=0 $(GO) vet ./... && CGO_ENABLED=0 $(GO) test -count=1 -v ./...

run: build
	SPEED='$(SPEED)' START='$(START)' PLAN='$(PLAN)' INCIDENTS='$(INCIDENTS)' COLLECTORS='$(COLLECTORS)' RETENTION='$(RETENTION)' SIM_ADDR='$(SIM_ADDR)' LISTEN='$(LISTEN)' BIN='$(BIN)' ./scripts/run.sh

vet:
	$(GO) vet ./...
	$(GO) mod tidy -diff
	cd tools/promtool && $(GO) mod tidy -diff
	cd tools/image && $(GO) mod tidy -diff
	cd tools/dist && $(GO) mod tidy -diff
	cd tools/helmcheck && $(GO) mod tidy -diff
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

check-config: build
	KOS_DSN='root@tcp($(SIM_ADDR))/kos' $(BIN)/kos_exporter --config.check --config.file collectors.yaml
	KOS_DSN='root@tcp($(SIM_ADDR))/kos' $(BIN)/kos_exporter --config.check --config.file collectors-live.yaml

# Unit and integration tests. Integration tests use the in-process MySQL
# server, or a real one when KOS_TEST_MYSQL_DSN is set.
test: vet check-config test-go rules-test image-test dist-test helm-test

test-go:
	@echo "test-go: unit and integration tests with -race (the first build on a fresh machine takes several minutes)"
	$(GO) test -race -count=1 ./...

# Alerting bundle (rules/, docs/runbooks.md): promtool and amtool are pinned
# in tools/promtool/go.mod and built by the Go toolchain (slow the first
# time, cached after). The Go tests also render the bundle with another job
# (make bundle's generator) and run promtool's unit tests on that copy.
TOOLS_MOD := tools/promtool/go.mod
PROMTOOL  := $(GO) tool -modfile=$(TOOLS_MOD) promtool
AMTOOL    := $(GO) tool -modfile=$(TOOLS_MOD) amtool

# Renders rules/*.yaml, rules/tests/ (from rules/src) and dashboards/*.json
# with the names in bundle.yaml (job, runbook address, time zone).
bundle:
	@echo "bundle: rendering rules/ and dashboards/ with bundle.yaml, then the Helm chart's copies (a few seconds)"
	$(GO) run ./dashboards/gen
	$(MAKE) -s helm-sync

rules-test:
	@echo "rules-test: go tool builds promtool and amtool ($(TOOLS_MOD)) first: about 10 min on 2 cores on a fresh machine, seconds once cached"
	$(PROMTOOL) check rules rules/*.yaml
	$(PROMTOOL) test rules rules/tests/*.test.yaml
	$(AMTOOL) check-config examples/alertmanager.yml
	cd tools/promtool && $(GO) vet ./... && $(GO) test -race -count=1 ./...

image-test:
	@echo "image-test: make release-bins with a test stamp, the image for linux amd64 and arm64 from them, read back and its binaries run; the Dockerfile compared with the builder (about 1 min warm on 2 cores, 3-5 min cold)"
	cd tools/image && $(GO) vet ./... && $(GO) test -count=1 ./...

# Helm chart (deploy/helm/kos-exporter): linted and rendered by Helm's own
# code, every object decoded strictly into its Kubernetes and
# prometheus-operator type (tools/helmcheck, its own go.mod). The chart's
# files/ are copies of bundle.yaml, collectors*.yaml, rules/*.yaml and
# dashboards/*.json: `make helm-sync` (and `make bundle`) rewrites them,
# helm-test fails when they differ.
helm-test:
	@echo "helm-test: builds Helm's engine and linter, client-go and the Kubernetes and prometheus-operator API types (tools/helmcheck): 4-6 min on 2 cores the first time, about 15 s once cached"
	cd tools/helmcheck && $(GO) vet ./... && $(GO) test -count=1 ./...

helm-sync:
	cd tools/helmcheck && $(GO) run ./sync

# SQL_EXPORTER=path/to/sql_exporter adds burningalchemist/sql_exporter on
# the same 100k-series table to the load check (README "At scale").
SQL_EXPORTER ?=
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./exporter/...
	@echo "bench: kos_launchsim plays a launch day at SPEED 480, 960 and 1920 on a virtual clock (about 30 s)"
	$(GO) test -run '^$$' -bench LaunchDay -benchtime 1x -count=1 ./launchsim
	$(GO) run ./tools/loadcheck --exporter $(BIN)/kos_exporter $(if $(SQL_EXPORTER),--sql-exporter '$(SQL_EXPORTER)')

# What the collectors cost a real MySQL/MariaDB (docs/bench-db.md, README
# "What it costs your database"): tools/benchdb loads launch-day scenarios
# (the 90-day history one takes about 10 min on 2 cores), runs
# collectors.yaml and collectors-live.yaml on each and prints Markdown.
# Not part of make test. BENCHDB_ARGS=--reuse keeps loaded scenarios.
BENCHDB_DSN  ?= root@tcp(127.0.0.1:3306)/
BENCHDB_ARGS ?=
bench-db:
	@echo "bench-db: tools/benchdb on $(BENCHDB_DSN); it says what it loads and how long that takes before it starts"
	$(GO) run ./tools/benchdb --mysql.dsn '$(BENCHDB_DSN)' $(BENCHDB_ARGS)

# End to end (docs/e2e.md): simulator, exporter, real Prometheus and
# Alertmanager on loopback; the two servers are built once into .build/bin.
# -parallel above the number of scenarios (18): a queued scenario would start
# only when another ends, and the run would last as long as both.
e2e: build
	./e2e/getbins.sh .build/bin
	$(GO) test -tags e2e -count=1 -v -timeout 12m -parallel 32 ./e2e

# The fuzz targets briefly (CI), bounded by executions, not time: a
# duration -fuzztime races Go's fuzz coordinator and fails with a bare
# "context deadline exceeded" (go.dev/issue/75804, unfixed in Go 1.26).
# About 10 s each on 2 cores; longer by hand: make fuzz-short FUZZSCALE=60 (about 10 min each)
FUZZSCALE ?= 1
fuzz-short:
	@echo "fuzzing 3 targets, about 10 s each (x$(FUZZSCALE))"
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $$((60000 * $(FUZZSCALE)))x ./exporter/config
	$(GO) test -run '^$$' -fuzz '^FuzzSQLGuard$$' -fuzztime $$((100000 * $(FUZZSCALE)))x ./exporter/config
	$(GO) test -run '^$$' -fuzz '^FuzzMapperAdd$$' -fuzztime $$((20000 * $(FUZZSCALE)))x ./exporter/sqlrun

clean:
	rm -rf $(BIN)
