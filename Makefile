# tkeops build, test and demo targets. `make demo` and `make test` are the two
# commands of the README's quick start; both need only Go on a fresh machine.

GO        ?= go
BIN       ?= bin/tkeops
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# Build flags shared by `make build` and the Dockerfile (which passes the same values).
GOFLAGS_BUILD := -trimpath
LDFLAGS       := -s -w -X main.version=$(VERSION)
# Where components built from the module proxy (kube-apiserver, etcd, gitea) are cached.
export TKEOPS_CACHE ?= $(HOME)/.cache/tkeops
FUZZTIME  ?= 10s

.PHONY: all build demo demo-serve test test-short fuzz vet lint lint-bin fmt kube-bins gitea-bin helm-bin node-sdk tools bench faults crash soak docs image clean

all: build

build:
	CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/tkeops

## demo: run the emulator in-process, apply examples/ and show a second, empty plan; with kube-apiserver
## built (make kube-bins), upgrade the staging cluster 1.30 → 1.32 with its nodes and plan again.
demo:
	$(GO) run ./cmd/tkeops demo

## demo-serve: run `tkeops serve` against a local git repository and the emulator.
demo-serve:
	$(GO) run ./cmd/tkeops serve --demo

## test: everything CI runs. Builds the real components tests need when missing.
test: tools vet lint
	$(GO) test -count=1 -timeout 40m ./...
	$(MAKE) fuzz

## test-short: unit tests only; tests that need built components skip under -short.
test-short:
	$(GO) test -short ./...

tools: kube-bins gitea-bin helm-bin node-sdk chromium

kube-bins:
	bash hack/kube/build.sh

gitea-bin:
	bash hack/gitea/build.sh

helm-bin:
	bash hack/helm/build.sh

## chromium: Debian's Chromium for the web page's screenshot test, when missing.
chromium:
	bash hack/chromium/install.sh

## node-sdk: the official Node.js SDK from npm, for the emulator's conformance suite (e2e/conformance).
node-sdk:
	bash hack/node-sdk/install.sh

## fuzz: a short run of every fuzz target (FUZZTIME each).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1s $$pkg; \
	  done; \
	done

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

## lint: golangci-lint with .golangci.yml; the linter is built from the module proxy
## at the version hack/golangci-lint/go.mod pins (a cold build takes a few minutes).
lint: lint-bin
	$(TKEOPS_CACHE)/bin/golangci-lint run --allow-serial-runners ./...

lint-bin:
	bash hack/golangci-lint/build.sh

fmt:
	gofmt -w $$(git ls-files '*.go')

## bench: the benchmarks behind docs/performance.md (about 20 minutes).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x ./reconcile/... ./providers/...
	$(GO) run ./bench/cmd/tkeops-bench

# The long versions of the proof suites; `make test` runs their short versions.
## faults: apply S=50 stacks with 30% throttling, 10% internal errors and latency on every call.
faults:
	TKEOPS_FAULTS_STACKS=$${TKEOPS_FAULTS_STACKS:-50} $(GO) test -count=1 -v -timeout 40m ./e2e/faults/

## crash: SIGKILL apply and serve 20 times each during a large apply; exact final state.
crash: gitea-bin
	TKEOPS_CRASH_RUNS=$${TKEOPS_CRASH_RUNS:-20} TKEOPS_CRASH_SERVE_RUNS=$${TKEOPS_CRASH_SERVE_RUNS:-20} TKEOPS_CRASH_STACKS=$${TKEOPS_CRASH_STACKS:-30} $(GO) test -count=1 -v -timeout 40m ./e2e/crash/

## soak: the service under a webhook a second and a poll every 5 s for 10 minutes.
soak: gitea-bin
	TKEOPS_SOAK=$${TKEOPS_SOAK:-10m} $(GO) test -count=1 -v -timeout 3h ./e2e/soak/

## docs: regenerate the spec reference from the Go types and the mutability table.
docs:
	$(GO) run ./cmd/tkeops docs spec-reference -o docs/spec-reference.md

## image: build the container image (needs a Docker engine with BuildKit).
image:
	docker build --build-arg VERSION=$(VERSION) -t tkeops:$(VERSION) .

clean:
	rm -rf bin
