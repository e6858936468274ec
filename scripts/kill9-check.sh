#!/usr/bin/env bash
# Kills one of two executors with SIGKILL under load and checks that no trigger was lost.
#   scripts/kill9-check.sh [SCHEDULES] [SECONDS]   (default 200 per-second crons for 40 s; kill at 1/3)
# Starts its own run.sh on a fresh data directory and ports, prints lateness and loss figures, exits non-zero on loss.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}; DURATION=${2:-40}
export SCHEDULER_PG_PORT=55433 API_PORT=18080 ECHO_PORT=15003
rm -rf .data/postgres-kill9 && mkdir -p .data
log=$(mktemp)
sed 's#\.data/postgres#.data/postgres-kill9#g' run.sh > .data/run-kill9.sh && chmod +x .data/run-kill9.sh
cp .data/run-kill9.sh ./.run-kill9.sh && trap 'rm -f ./.run-kill9.sh' EXIT
./.run-kill9.sh > "$log" 2>&1 &
runner=$!
for _ in $(seq 1 180); do grep -q "Ctrl-C stops everything" "$log" && break; sleep 1; done
api=http://localhost:$API_PORT
key=$(cat .data/api-key)
echo "creating $N per-second schedules"
for i in $(seq 1 "$N"); do
  curl -fsS -o /dev/null -X POST "$api/api/v1/schedules" -H "x-api-key: $key" -H 'content-type: application/json' \
    -d "{\"name\":\"load-$i\",\"cron\":\"* * * * * *\",\"target\":{\"type\":\"webhook\",\"url\":\"http://localhost:$ECHO_PORT/echo\"}}"
done
sleep $((DURATION / 3))
victim=$(for p in $(pgrep -f Scheduler.Executor.dll); do tr '\0' '\n' < /proc/$p/environ | grep -q '^Executor__ExecutorId=executor-1$' && echo $p || true; done)
echo "kill -9 executor-1 (pid $victim) at $(date -u +%T.%3N)"
kill -9 "$victim"
sleep $((DURATION * 2 / 3))
psql="psql -h 127.0.0.1 -p $SCHEDULER_PG_PORT -U postgres scheduleman -Atq"
$psql -c "update schedules set state = 'paused', next_fire_at = null where state = 'active'"
echo "schedules paused; waiting for leases to expire and every execution to finish"
for _ in $(seq 1 60); do
  [ "$($psql -c "select count(*) from executions where status in ('pending', 'delivering')")" = 0 ] && break; sleep 1
done
curl -fsS "http://localhost:$ECHO_PORT/received?limit=1000000" > .data/kill9-received.json
$psql -c "select id, schedule_id, scheduled_for, status, attempt, origin from executions" -F '|' > .data/kill9-executions.txt
kill -TERM $runner; wait $runner || true
python3 - "$N" <<'PY'
import json, sys, datetime, collections
received = json.load(open('.data/kill9-received.json'))
rows = [l.split('|') for l in open('.data/kill9-executions.txt').read().splitlines() if l]
ids = {r[0] for r in rows}
status = collections.Counter(r[3] for r in rows)
got = collections.Counter(x['executionId'] for x in received)
lost = [i for i in ids if got[i] == 0]
dups = sum(c - 1 for c in got.values() if c > 1)
late = sorted(x['latenessMs'] for x in received)
first = sorted(x['latenessMs'] for x in received if x['attempt'] == 1)
def pct(a, p): return a[min(len(a) - 1, int(len(a) * p))] if a else float('nan')
by_schedule = collections.defaultdict(list)
for r in rows: by_schedule[r[1]].append(r[2])
print(f"executions {len(rows)}  statuses {dict(status)}  received {len(received)}")
print(f"lost {len(lost)}  duplicate deliveries {dups}  early {sum(1 for l in late if l < 0)}  catch-ups {sum(1 for r in rows if r[5] != 'schedule')}")
print(f"lateness all      p50 {pct(late,.5):.1f} ms  p95 {pct(late,.95):.1f}  p99 {pct(late,.99):.1f}  max {late[-1]:.1f}")
print(f"lateness attempt1 p50 {pct(first,.5):.1f} ms  p95 {pct(first,.95):.1f}  p99 {pct(first,.99):.1f}  max {first[-1]:.1f}")
print(f"recovered (attempt >= 2): {sum(1 for x in received if x['attempt'] >= 2)}, max lateness {max([x['latenessMs'] for x in received if x['attempt'] >= 2] or [0]):.0f} ms")
sys.exit(1 if lost or status.get('dead') or any(l < 0 for l in late) else 0)
PY
