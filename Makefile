# Tranche — build, test and demo targets.
#
# The two commands of the README are `make demo` and `make test`; both run
# `deps` first, so a fresh Debian/Ubuntu machine needs nothing else.

GO        ?= go
PKGS      ?= ./...
BIN       := bin/tranche
# Debian packages the build and the tests need: CLP for the LP solver (cgo),
# pkg-config to find it, chromium for the HTML report's browser test.
DEB_PKGS  := coinor-libclp-dev pkg-config chromium
BENCHTIME ?= 1x
FUZZTIME  ?= 20s

.PHONY: all deps build test test-short bench bench-large traces fuzz lint demo example clean

all: build

deps:
	@missing=""; \
	for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "deps: installing$$missing" >&2; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || { echo "deps: apt-get install$$missing failed" >&2; exit 1; }; \
		else \
			echo "deps: missing Debian packages:$$missing" >&2; \
			echo "deps: run: sudo apt-get update && sudo apt-get install -y$$missing" >&2; \
			exit 1; \
		fi; \
	fi
	@pkg-config --exists clp || { echo "deps: pkg-config cannot find clp (coinor-libclp-dev)" >&2; exit 1; }

build: deps
	$(GO) build -o $(BIN) ./cmd/tranche

# The README's test command. CI runs it through .ci/run. Under -race the
# solver is about 20 times slower: the longest package (cmd/tranche) took
# 6.4 minutes on the 2-core machine, over half of go test's default
# 10-minute limit per package, hence the explicit one.
test: deps lint
	$(GO) test -race -count=1 -timeout 45m $(PKGS)

test-short: deps
	$(GO) test -short -count=1 $(PKGS)

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -timeout 3h $(PKGS)

# Backtests of all eight demo traces and of twelve random ones against the
# hindsight optimum and the provider-style recommender (docs/backtest.md):
# minutes, for the hindsight LPs.
traces: deps
	$(GO) test -count=1 -run 'TestTraces|TestRandomShapes' -v -timeout 1h ./internal/backtest/ -args -traces

# The fleet-size solver cases (docs/benchmarks.md): the noisy 1,000- and
# 10,000-pool fleets, then 200 and 1,000 pools in 10 scenarios; about ten
# minutes. Each part of the pattern matches one level of a benchmark's name.
bench-large: deps
	$(GO) test -run '^$$' -bench 'BenchmarkSolve$$/usage=noisy/pools=(1000|10000)$$/hours=8760/compression=true|BenchmarkSolveScenariosLarge' -benchtime 1x -timeout 6h ./solver/ -args -bench.large

fuzz: deps
	@set -e; for pkg in $$($(GO) list $(PKGS)); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz: $$pkg $$f ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

lint:
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt: these files need formatting:" >&2; echo "$$out" >&2; exit 1; fi

# The README's first command: the main job on the bundled demo data. The
# demo billing data set is generated (deterministically, seed 1) when it is
# missing, then planned on with the bundled price book.
DEMO_DIR  ?= testdata/demo/billing
demo: build
	@test -f $(DEMO_DIR)/inventory.json || ./$(BIN) demo generate --out $(DEMO_DIR)
	./$(BIN) plan --prices testdata/demo/pricebook.json --inventory $(DEMO_DIR)/inventory.json $(DEMO_DIR)

# The bundled solver example (testdata/example/problem.json).
example: build
	./$(BIN) solve --problem testdata/example/problem.json

clean:
	rm -rf bin
