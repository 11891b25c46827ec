# stampede — build, demo, test, lint, bench. See README.md.
GO          ?= go
BIN         ?= bin/stampede
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -s -w -X main.version=$(VERSION)

.PHONY: build demo test lint bench bench-peers fuzz clean

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/stampede

# The main job on the embedded default: bundled target + built-in scenario.
demo: build
	./$(BIN) demo

# Every test, with the race detector. Tests build the binary themselves.
test:
	$(GO) test -race -count=1 -timeout 10m ./...

lint:
	$(GO) vet ./...
	$(GO) install $(STATICCHECK)
	"$$($(GO) env GOPATH)/bin/staticcheck" ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

# Micro-benchmarks of the hot paths (recording, response parsing).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./engine/... ./targets/...

# The peer comparison of ../shared/bench (wrk, h2load, hey, vegeta): needs
# its install.sh to have run. Loopback only.
BENCH_DIR ?= ../shared/bench
bench-peers: build
	STAMPEDE_BIN=$(abspath $(BIN)) \
	STAMPEDE_CMD='$(abspath $(BIN)) run --url {url} --vus {conns} --connections {conns} --duration {duration} --ui none' \
	TESTS="$${TESTS:-wrk h2load-h1 hey vegeta stampede}" $(BENCH_DIR)/peers.sh

fuzz:
	$(GO) test ./scenarios -run '^$$' -fuzz FuzzLoad -fuzztime 30s
	$(GO) test ./engine/h1 -run '^$$' -fuzz FuzzResponse -fuzztime 30s

clean:
	rm -rf bin
