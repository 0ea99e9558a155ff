#!/usr/bin/env bash
# The restore drill (docs/deployment.md, "Backups"): a database with data is dumped with pg_dump, restored with
# pg_restore into a fresh database, and the two are compared: the rows of every table, every sequence's position
# and the displacement and surrender reports by country and month. Exits non-zero on any difference; drops both
# databases after.
#   .ci/restore_drill.sh            (PGHOST, PGPORT, PGUSER choose the server: 127.0.0.1:5432 as postgres)
set -euo pipefail
cd "$(dirname "$0")/.."

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
export PGOPTIONS="-c client_min_messages=warning"  # no notice for a database that is not there to drop
SOURCE="${DRILL_SOURCE:-tracker_drill_src}"
TARGET="${DRILL_TARGET:-tracker_drill_dst}"
PYTHON="${PYTHON:-.venv/bin/python}"
WORK="$(mktemp -d)"

cleanup() {
  dropdb --if-exists --force "$SOURCE" 2>/dev/null || true
  dropdb --if-exists --force "$TARGET" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Production settings against one database; nothing of the caller's environment chooses another.
manage() {
  local database="$1"
  shift
  env -u DATABASE_REPLICA_URL -u DATABASE_POOLED -u REDIS_URL \
    DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY="restore-drill-only-$$-$RANDOM$RANDOM" \
    DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$database" \
    "$PYTHON" manage.py "$@"
}

# What must survive a restore, as JSON: rows per table, sequences, and a report (which must have rows, or the
# comparison would prove nothing).
cat >"$WORK/state.py" <<'EOF'
import json

from django.db import connection

from tracker.audience import Audience
from tracker.reporting.report import displacement_report, surrender_report

with connection.cursor() as cursor:
    tables = {}
    for table in sorted(connection.introspection.table_names(cursor)):
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
        tables[table] = cursor.fetchone()[0]
    cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1")
    sequences = dict(cursor.fetchall())
reports = {}
for name, build in (("displacement", displacement_report), ("surrender", surrender_report)):
    report = build(group_by="country,month", audience=Audience.STAFF)
    reports[name] = {"rows": report.rows, "totals": report.totals, "warnings": report.warnings}
if not reports["displacement"]["rows"]:
    raise SystemExit("the drill's database holds no displacement figures: nothing to compare")
state = {"tables": tables, "sequences": sequences, "reports": reports}
print(json.dumps(state, default=str, sort_keys=True, indent=1))
EOF

say() { printf '  %s\n' "$*"; }

dropdb --if-exists --force "$SOURCE"
dropdb --if-exists --force "$TARGET"
createdb "$SOURCE"
manage "$SOURCE" migrate --noinput --verbosity 0
manage "$SOURCE" loaddata reference demo_baghouz --verbosity 0
say "source $SOURCE: migrated, reference and demo_baghouz loaded"

started=$SECONDS
pg_dump --format=custom --file="$WORK/tracker.dump" "$SOURCE"
dumped=$SECONDS
createdb "$TARGET"
pg_restore --exit-on-error --no-owner --dbname="$TARGET" "$WORK/tracker.dump"
say "pg_dump -Fc: $(du -h "$WORK/tracker.dump" | cut -f1) in $((dumped - started)) s; pg_restore into $TARGET:" \
  "$((SECONDS - dumped)) s"

manage "$SOURCE" shell --no-imports -c "$(cat "$WORK/state.py")" >"$WORK/source.json"
manage "$TARGET" shell --no-imports -c "$(cat "$WORK/state.py")" >"$WORK/target.json"
if ! diff -u "$WORK/source.json" "$WORK/target.json" >"$WORK/difference"; then
  echo "restore drill FAILED: the restored database differs from the source" >&2
  head -60 "$WORK/difference" >&2
  exit 1
fi
say "restored = source: $("$PYTHON" -c 'import json, sys
state = json.load(open(sys.argv[1]))
tables, sequences, reports = state["tables"], state["sequences"], state["reports"]
rows = ", ".join(name + " " + str(len(report["rows"])) for name, report in reports.items())
print(f"{len(tables)} tables, {sum(tables.values())} rows, {len(sequences)} sequences; report rows: {rows}")' "$WORK/source.json")"
