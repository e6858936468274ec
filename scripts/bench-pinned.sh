#!/usr/bin/env bash
# The trigger-path ceiling and burst with PostgreSQL on a core of its own: the layout the design is for (executors and
# targets on other machines), approximated on one box with CPU affinity. PostgreSQL (a throwaway cluster, the tests'
# fast settings) runs on the first core; the benchmark, the executors and WaitEcho on the others. The ceiling is then
# what PostgreSQL alone can do, and burst / ceiling says how close the whole trigger path comes to it.
#   scripts/bench-pinned.sh [COUNT]          (Linux; needs taskset and the PostgreSQL binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100000}
cores=$(nproc)
[ "$cores" -ge 2 ] || { echo "bench-pinned: needs at least 2 cores" >&2; exit 1; }
command -v taskset >/dev/null || { echo "bench-pinned: needs taskset (util-linux)" >&2; exit 1; }
data=$(mktemp -d /tmp/scheduleman-pinned-XXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
trap 'bash scripts/postgres-local.sh destroy "$data" >/dev/null 2>&1 || true' EXIT
POSTGRES_LOCAL_FAST=1 taskset -c 0 bash scripts/postgres-local.sh start "$data" "$port"
# Backends fork from the postmaster and inherit its affinity; pin what already runs, too.
for pid in $(pgrep -f "postgres -D $data" || true) $(pgrep -P "$(head -1 "$data/postmaster.pid")" || true); do
  taskset -a -p -c 0 "$pid" >/dev/null
done
export SCHEDULER_TEST_DB="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
dotnet build bench/Scheduler.Bench -c Release -nologo -v quiet -clp:ErrorsOnly
others="1-$((cores - 1))"
out=$(mktemp)
taskset -c "$others" dotnet run --project bench/Scheduler.Bench -c Release --no-build -- ceiling "$count" 2 | tee "$out"
taskset -c "$others" dotnet run --project bench/Scheduler.Bench -c Release --no-build -- burst "$count" 2 | tee -a "$out"
rates=$(sed -nE 's/^\| (rate|end-to-end throughput) \| ([0-9,]+) triggers\/s \|$/\2/p' "$out" | tr -d ,)
echo
echo "PostgreSQL on core 0, everything else on cores $others: burst / ceiling = $(echo "$rates" | paste -sd' ' | awk '{printf "%d / %d = %.2f", $2, $1, $2 / $1}')"
rm -f "$out"
