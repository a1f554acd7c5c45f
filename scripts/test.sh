#!/usr/bin/env bash
# Runs cognitod's whole test suite on a fresh machine: checks formatting and
# vet, then every test with the race detector (fuzz targets run through their
# seed corpora). Needs only Go; modules come from the Go module proxy.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v go >/dev/null || { echo "Go is required (https://go.dev/dl)"; exit 1; }
go mod download
unformatted=$(gofmt -l cmd internal)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -race -count=1 ./...
