#!/usr/bin/env bash
# Runs cognitod's whole test suite on a fresh machine: installs the
# JavaScript test clients, checks formatting and vet, then runs every test
# with the race detector (fuzz targets run through their seed corpora).
# Needs Go and Node.js with npm; installs Debian's chromium and starts a
# PostgreSQL server (scripts/postgres.sh) when missing (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v go >/dev/null || { echo "Go is required"; exit 1; }
go mod download
# Third-party JavaScript clients the tests drive (amazon-cognito-identity-js,
# Amplify JS, aws-jwt-verify), pinned by test/js/package-lock.json.
command -v npm >/dev/null || { echo "Node.js and npm are required for the JavaScript client tests"; exit 1; }
(cd test/js && npm ci --no-audit --no-fund --loglevel=error)
# Debian's Chromium for the hosted sign-in page test.
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is needed for the browser test: apt-get install chromium"; exit 1
  fi
fi
# A local PostgreSQL server for the conformance suite and the two-node test.
if [ -z "${COGNITOD_TEST_POSTGRES_DSN:-}" ]; then
  COGNITOD_TEST_POSTGRES_DSN=$(bash scripts/postgres.sh)
  export COGNITOD_TEST_POSTGRES_DSN
fi
unformatted=$(gofmt -l cmd internal)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -race -count=1 -timeout 10m ./...
