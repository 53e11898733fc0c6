# make test runs everything that checks the project; CI runs exactly this
# (.ci/run). make bench runs the benchmarks, which are never part of make test.

GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
PKGS        := ./...

.PHONY: test fmt vet staticcheck unit bench

test: fmt vet staticcheck unit

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

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
