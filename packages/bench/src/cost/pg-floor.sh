#!/usr/bin/env bash
# The Postgres floor of a claim/complete loop at concurrency 1, with no queue library:
# pgbench (a C client) drains N rows of a table with a partial claim index, either
#   one commit per job:  claim (FOR UPDATE SKIP LOCKED) and complete in one statement, or
#   two commits per job: claim (lease) in one transaction, complete in the next,
# alternated R times, with prepared statements (as the queues use). Prints jobs/s per run.
# Usage: pg-floor.sh [jobs] [rounds]
# Needs DOCKET_POSTGRES_URL (default the local test database). Drops its table at the end.
set -euo pipefail
url="${DOCKET_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
export PGOPTIONS="-c client_min_messages=warning"
jobs="${1:-3000}"
rounds="${2:-3}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"; psql "$url" -qc "DROP TABLE IF EXISTS floor_jobs" >/dev/null' EXIT

# One statement, its own transaction: one round trip and one commit, as Docket's
# complete-and-claim statement.
cat >"$dir/one.sql" <<'SQL'
WITH picked AS (
  SELECT id FROM floor_jobs WHERE NOT done AND locked_by IS NULL
  ORDER BY priority, scheduled_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
UPDATE floor_jobs t SET done = true, locked_by = 'w', updated_at = now()
FROM picked WHERE t.id = picked.id;
SQL
cat >"$dir/two.sql" <<'SQL'
WITH picked AS (
  SELECT id FROM floor_jobs WHERE NOT done AND locked_by IS NULL
  ORDER BY priority, scheduled_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
UPDATE floor_jobs t SET locked_by = 'w', updated_at = now()
FROM picked WHERE t.id = picked.id RETURNING t.id AS claimed \gset
UPDATE floor_jobs SET done = true, updated_at = now() WHERE id = :claimed;
SQL

fill() {
  psql "$url" -q <<SQL >/dev/null
DROP TABLE IF EXISTS floor_jobs;
CREATE TABLE floor_jobs (id bigserial PRIMARY KEY, priority int NOT NULL DEFAULT 5,
  scheduled_at timestamptz NOT NULL DEFAULT now(), done boolean NOT NULL DEFAULT false,
  locked_by text, updated_at timestamptz NOT NULL DEFAULT now(), data jsonb NOT NULL DEFAULT '{}');
CREATE INDEX floor_jobs_claim ON floor_jobs (priority, scheduled_at, id) WHERE NOT done;
INSERT INTO floor_jobs (data) SELECT jsonb_build_object('seq', g) FROM generate_series(1, $jobs) g;
VACUUM ANALYZE floor_jobs;
SQL
}

run() {
  fill
  pgbench -n -M prepared -c 1 -t "$jobs" -f "$dir/$1.sql" "$url" 2>/dev/null |
    awk -v mode="$1" '/^tps/ { printf "%s-commit floor: %.0f jobs/s\n", mode, $3 }'
}

for _ in $(seq "$rounds"); do run one; run two; done
