# Waymark: the two commands a new user runs are `make demo` and `make test`.
GO      ?= go
BIN     := bin/waymark
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/waymark-data/waymark/internal/cli.Version=$(VERSION)
# DuckDB is linked statically through cgo; a pure-Go build is impossible.
export CGO_ENABLED := 1

.PHONY: all build demo test vet bench bench-all deps clean fuzz screenshots

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/waymark

## demo: generate demo submissions, ingest, build, dashboards, print the scorecard
demo: build
	./$(BIN) demo --log-level warn

## deps: install the services tests run against (Mosquitto, PostgreSQL) when missing
deps:
	./scripts/deps.sh

## test: the whole test suite (what CI runs)
test: deps vet
	$(GO) test -count=1 -timeout 45m ./...

vet:
	$(GO) vet ./...

## fuzz: each fuzz target briefly (CI runs it after the tests); crashers land in testdata/fuzz
# A count, not a duration: a duration races Go 1.26's fuzz coordinator
# (go.dev/issue/75804) and fails a loaded machine with "context deadline
# exceeded" and no crasher.
FUZZTIME ?= 3000x
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzCSV$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0 ./connectors/csvfile
	$(GO) test -run '^$$' -fuzz '^FuzzJSON$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0 ./connectors/jsonfile
	$(GO) test -run '^$$' -fuzz '^FuzzXLSX$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0 ./connectors/xlsx
	$(GO) test -run '^$$' -fuzz '^FuzzHeaderFinder$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0 ./pipelines
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0 ./internal/targets
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0 ./internal/config

## bench: the performance report of issue 13 (docs/bench.md): every figure
## beside its baseline measured in the same run (DuckDB's own COPY), min and
## median of BENCH_RUNS runs; BENCH_ROWS, BENCH_MONTHS size it.
bench: deps
	./scripts/bench.sh

## bench-all: every Go benchmark once (adversarial inputs' RSS, MQTT, uploads), 10 M-row CSV
BENCH_ROWS ?= 10000000
bench-all: deps
	WAYMARK_BENCH_ROWS=$(BENCH_ROWS) $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

## screenshots: the web face's pictures in docs/screenshots, taken by the browser test
screenshots: deps
	WAYMARK_SCREENSHOTS=1 $(GO) test -count=1 -run 'Browser' ./web

clean:
	rm -rf bin data
