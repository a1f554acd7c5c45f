GO ?= go

.PHONY: build test race lint fuzz run bench

build:
	$(GO) build -o bin/cognitod ./cmd/cognitod

# The whole suite, race detector on; fuzz targets run through their seed corpus.
test:
	$(GO) test -race -count=1 ./...

lint:
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	gofmt -l cmd internal | tee /dev/stderr | (! read)

# A short fuzzing session per target (not part of test).
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParseAuthorization -fuzztime 30s ./internal/sigv4
	$(GO) test -run '^$$' -fuzz FuzzVerify -fuzztime 30s ./internal/sigv4
	$(GO) test -run '^$$' -fuzz FuzzDispatch -fuzztime 30s ./internal/api
	$(GO) test -run '^$$' -fuzz FuzzParseFilter -fuzztime 30s ./internal/userpool
	$(GO) test -run '^$$' -fuzz FuzzParseSAMLMetadata -fuzztime 30s ./internal/userpool
	$(GO) test -run '^$$' -fuzz FuzzVerify -fuzztime 30s ./internal/tokens
	$(GO) test -run '^$$' -fuzz FuzzTrimAll -fuzztime 30s ./internal/sigv4
	$(GO) test -run '^$$' -fuzz FuzzImportFile -fuzztime 30s ./internal/userpool
	$(GO) test -run '^$$' -fuzz FuzzDecodeAttributes -fuzztime 30s ./internal/storage/sqlstore
	$(GO) test -run '^$$' -fuzz FuzzLibcryptoSignsAsCryptoRSA -fuzztime 30s ./internal/rsasign
	$(GO) test -run '^$$' -fuzz FuzzCheckProof -fuzztime 30s ./internal/auth
	$(GO) test -run '^$$' -fuzz FuzzOpen -fuzztime 30s ./internal/auth
	$(GO) test -run '^$$' -fuzz FuzzHostedEndpoints -fuzztime 30s ./internal/e2e

run:
	$(GO) run ./cmd/cognitod

# Throughput and latency percentiles per scenario (in-process cognitod on a
# temporary SQLite database unless ENDPOINT is set).
bench:
	$(GO) run ./cmd/cognitod bench $(if $(ENDPOINT),--endpoint $(ENDPOINT)) --duration 10s --concurrency 32
