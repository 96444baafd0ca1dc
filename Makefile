# Waymark: the two commands a new user runs are `make demo` and `make test`.
GO      ?= go
BIN     := bin/waymark
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/waymark-data/waymark/internal/cli.Version=$(VERSION)
# DuckDB is linked statically through cgo; a pure-Go build is impossible.
export CGO_ENABLED := 1

.PHONY: all build demo test vet bench deps clean

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
	$(GO) test -count=1 -timeout 20m ./...

vet:
	$(GO) vet ./...

## bench: the performance report of issue 13 (docs/bench.md): every figure
## beside its baseline measured in the same run (DuckDB's own COPY), min and
## median of BENCH_RUNS runs. BENCH_ROWS, BENCH_MONTHS size it.
bench:
	./scripts/bench.sh

clean:
	rm -rf bin data
