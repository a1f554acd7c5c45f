#!/usr/bin/env bash
# Installs (Debian's package, as root) and starts a local PostgreSQL server for
# the tests, creates the role and database cognitod/cognitod_test, and prints
# the DSN. Safe to run again.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "PostgreSQL is not installed; run as root or: apt-get install postgresql" >&2; exit 1
  fi
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
version=$(basename "$(dirname "$bin")")
if command -v pg_lsclusters >/dev/null; then
  if ! pg_lsclusters -h | grep -q .; then
    pg_createcluster "$version" main >&2
  fi
  cluster=$(pg_lsclusters -h | head -1)
  ver=$(echo "$cluster" | awk '{print $1}'); name=$(echo "$cluster" | awk '{print $2}'); port=$(echo "$cluster" | awk '{print $3}')
  pg_ctlcluster "$ver" "$name" start >&2 2>/dev/null || true
else
  echo "pg_lsclusters not found (Debian's postgresql-common is expected)" >&2; exit 1
fi
for i in $(seq 1 50); do
  su postgres -c "psql -p $port -tAc 'select 1'" >/dev/null 2>&1 && break
  sleep 0.2
done
su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -q" >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cognitod') THEN
    CREATE ROLE cognitod LOGIN PASSWORD 'cognitod';
  END IF;
END \$\$;
SQL
su postgres -c "psql -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname = 'cognitod_test'\"" | grep -q 1 ||
  su postgres -c "createdb -p $port -O cognitod cognitod_test" >&2
echo "postgres://cognitod:cognitod@127.0.0.1:$port/cognitod_test?sslmode=disable"
