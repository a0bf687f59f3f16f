#!/usr/bin/env bash
# Start the servers the tests run against: PostgreSQL (Debian's postgresql package), with
# the two roles of docs/OPERATIONS.md, and Redis (the Celery broker). Prints the settings
# the tests read, as shell lines to eval:
#   eval "$(bash scripts/start-test-services.sh)"
# TEST_DATABASE_URL: the owner role, which may create the per-test databases and owns
# what it migrates (the same URL as TEST_DATABASE_OWNER_URL, the DATABASE_OWNER_URL of the
# tests); TEST_DATABASE_SERVICE_URL: the service's role (the DATABASE_URL of a deployment),
# no superuser, no CREATEDB, no member of the owner role: it gets only what the migration
# grants it; TEST_REDIS_URL: the broker's database 15, which the queue tests flush.
# The URLs name the database "postgres"; a test puts its own database's name in its place.
set -euo pipefail
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | grep -q "^${version} main"; then
  pg_createcluster "$version" main >/dev/null
fi
pg_ctlcluster "$version" main start >/dev/null 2>&1 || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
su postgres -c "psql -q -v ON_ERROR_STOP=1" >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'formservice_test') THEN
    CREATE ROLE formservice_test LOGIN CREATEDB PASSWORD 'formservice_test';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'formservice_service') THEN
    CREATE ROLE formservice_service LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT
      PASSWORD 'formservice_service';
  END IF;
END $$;
SQL
if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
  redis-server --port 6379 --bind 127.0.0.1 --daemonize yes --save "" --appendonly no >/dev/null
  for _ in $(seq 1 30); do
    redis-cli -p 6379 ping >/dev/null 2>&1 && break
    sleep 0.2
  done
fi
echo "export TEST_DATABASE_URL=postgresql+psycopg://formservice_test:formservice_test@127.0.0.1:5432/postgres"
echo "export TEST_DATABASE_OWNER_URL=postgresql+psycopg://formservice_test:formservice_test@127.0.0.1:5432/postgres"
echo "export TEST_DATABASE_SERVICE_URL=postgresql+psycopg://formservice_service:formservice_service@127.0.0.1:5432/postgres"
echo "export TEST_REDIS_URL=redis://127.0.0.1:6379/15"
