#!/usr/bin/env bash
# Starts the machine's PostgreSQL 15 if it is down and creates the role and
# database the tests use. Prints the connection URL on its last line.
# Idempotent: safe to run on every CI run and on a developer's machine.
set -euo pipefail
USER_NAME=${ITONAMI_PG_USER:-itonami}
PASSWORD=${ITONAMI_PG_PASSWORD:-itonami}
DB=${ITONAMI_PG_DB:-itonami_test}

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "pg-test-db: PostgreSQL is not installed (apt-get install postgresql-15)" >&2
  exit 1
fi
if ! pg_lsclusters -h | awk '$1 == "15" && $2 == "main" { print $4 }' | grep -q online; then
  pg_ctlcluster --skip-systemctl-redirect 15 main start >&2
fi
for _ in $(seq 1 50); do
  su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
  sleep 0.2
done
su postgres -c "psql -qtAc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$USER_NAME') THEN CREATE ROLE $USER_NAME LOGIN PASSWORD '$PASSWORD'; END IF; END \\\$\\\$;\"" >&2
if ! su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname = '$DB'\"" | grep -q 1; then
  su postgres -c "createdb -O $USER_NAME $DB" >&2
fi
echo "postgres://$USER_NAME:$PASSWORD@127.0.0.1:5432/$DB"
