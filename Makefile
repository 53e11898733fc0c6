# make test runs everything that checks the project; CI runs exactly this
# (.ci/run). make bench runs the benchmarks, which are never part of make test.

GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
PKGS        := ./...

.PHONY: test fmt vet staticcheck unit conformance bench e2e e2e-bins bench-e2e

test: fmt vet staticcheck unit conformance e2e

# gofmt -l lists files whose formatting differs; any listed file fails the build.
fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

# staticcheck is pinned and run with go run, so nothing is installed globally.
staticcheck:
	$(GO) run $(STATICCHECK) $(PKGS)

unit:
	$(GO) test -race -count=1 $(PKGS)

# The scheduling simulator against the real kube-scheduler 1.36.3, in process,
# on random clusters. Its own module keeps k8s.io/kubernetes out of go.mod; the
# first build compiles the scheduler (a few minutes on two cores).
conformance:
	cd scheduling/conformance && $(GO) vet ./... && $(GO) test -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# The e2e suite runs on a real control plane built from Go modules (e2e/ is
# its own module). e2e-bins builds etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kwok once, into the user cache
# directory (a cold build takes about 9 minutes on 2 cores); later runs reuse
# them in seconds.
E2E_TIMEOUT ?= 30m

e2e-bins:
	cd e2e && $(GO) run ./cmd/e2e-bins

e2e: e2e-bins
	cd e2e && $(GO) vet ./...
	cd e2e && $(GO) run $(STATICCHECK) ./...
	cd e2e && $(GO) test -count=1 -timeout $(E2E_TIMEOUT) ./...

# bench-e2e drains the same 60-pod, budget-constrained node with kubeprim's
# drain and with kubectl's drain library, and prints both.
bench-e2e: e2e-bins
	cd e2e && $(GO) test -count=1 -timeout $(E2E_TIMEOUT) -run '^$$' -bench BenchmarkDrain -benchtime 1x .
