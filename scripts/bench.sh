#!/usr/bin/env bash
# Times the lab's playbook over N runs (BENCH_RUNS, default 3), every phase once per run, in this order, so that each
# ratio compares medians taken in the same runs under the same machine load:
#   reference  scripts/bench/reference.sh, a hand-written script to the same end state, on fresh containers;
#   cold       playbooks/site.yml on fresh containers;
#   rerun      site.yml again (it must report zero changes);
#   noop-*     a no-op pgcitus.cluster.citus_node call against community.postgresql.postgresql_query SELECT 1, per call
#              (scripts/bench/module-noop.yml);
#   add-96     site.yml with 96 more distributed tables declared (100 tables in all), which distributes them;
#   rerun-100  site.yml again with the 100 tables (zero changes);
#   cold-6w    site.yml on fresh containers with 6 workers instead of 2 (BENCH_SCALE=0 skips this and the next);
#   rerun-6w   site.yml again on them (zero changes).
# Prints every run and phase with the task and change counts from Ansible's own statistics, then the medians and the
# ratios the README quotes. Uses its own containers (LAB_NAME pgcitus-bench and pgcitus-bench6), so a running
# `make lab` is left alone.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-3}
SCALE=${BENCH_SCALE:-1}
LAB_2=${BENCH_LAB_NAME:-pgcitus-bench}
LAB_6=${LAB_2}6
OUT="$ROOT/.cache/$LAB_2"
LAB="$ROOT/scripts/lab.sh"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_RUNS must be a positive number (got $RUNS)" >&2; exit 2; }
mkdir -p "$OUT"
trap 'LAB_NAME=$LAB_2 bash "$LAB" down; LAB_NAME=$LAB_6 bash "$LAB" down' EXIT
# One cluster password and Citus package for the reference script and the playbook.
PGCITUS_CLUSTER_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
CITUS_DEB=$(realpath "${CITUS_DEB:-$(cat "$ROOT/.cache/citus-deb")}")
export PGCITUS_CLUSTER_PASSWORD CITUS_DEB

# 96 more distributed tables next to the lab's own (group_vars/citus_coordinator.yml): 100 declared tables.
"$ROOT/.venv/bin/python" - "$ROOT/inventory/lab/group_vars/citus_coordinator.yml" "$OUT/tables-100.yml" <<'PY'
import sys

import yaml

with open(sys.argv[1]) as handle:
    lab = yaml.safe_load(handle)
extra = [f'bench_t{i:02d}' for i in range(1, 97)]
lab['citus_cluster_schema_sql'] += ''.join(
    f'CREATE TABLE IF NOT EXISTS {name} (id bigint PRIMARY KEY, payload text);\n' for name in extra)
lab['citus_cluster_distributed_tables'] += [{'name': name, 'column': 'id'} for name in extra]
with open(sys.argv[2], 'w') as handle:
    yaml.safe_dump({key: lab[key] for key in ('citus_cluster_schema_sql', 'citus_cluster_distributed_tables')}, handle)
PY

# One playbook run with the json callback (extra arguments go to ansible-playbook); prints "seconds tasks ok changed
# skipped failed".
timed_converge() {
  local log=$1 start end
  shift
  start=$(date +%s.%N)
  if ! ANSIBLE_STDOUT_CALLBACK=ansible.posix.json bash "$LAB" converge "$@" > "$log" 2>"$log.err"; then
    echo "bench: the playbook failed; see $log and $log.err" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  "$ROOT/.venv/bin/python" - "$log" "$start" "$end" <<'PY'
import json
import sys

with open(sys.argv[1]) as handle:
    report = json.load(handle)
tasks = sum(len(play["tasks"]) for play in report["plays"])
totals = {key: sum(host.get(key, 0) for host in report["stats"].values())
          for key in ("ok", "changed", "skipped", "failures")}
seconds = float(sys.argv[3]) - float(sys.argv[2])
print(f"{seconds:.1f} {tasks} {totals['ok']} {totals['changed']} {totals['skipped']} {totals['failures']}")
PY
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Fresh containers for the lab $LAB_NAME with $LAB_WORKERS workers, and no cluster CA on the controller (the citus
# role's default citus_tls_ca_dir), so that every cold converge makes the CA and the certificates, as the reference
# script does.
fresh() {
  bash "$LAB" down
  rm -rf "$HOME/.pgcitus/citus-ca/$LAB_NAME-coordinator"
  bash "$LAB" containers
}

declare -A TIMES
row() { printf '%-4s %-10s %8s %7s %7s %8s %8s\n' "$@"; }
# phase NAME LOG [ansible-playbook arguments]: one timed converge, printed and kept; a rerun must change nothing.
phase() {
  local name=$1 log=$2 seconds tasks ok changed skipped failed
  shift 2
  read -r seconds tasks ok changed skipped failed < <(timed_converge "$log" "$@")
  row "$run" "$name" "$seconds" "$tasks" "$ok" "$changed" "$skipped"
  TIMES[$name]+="$seconds "
  if [[ "$name" == rerun* ]] && [ "$changed" != 0 ]; then
    echo "bench: the no-change $name reported $changed changes (see $log)" >&2
    exit 1
  fi
}

# The module no-op figure (scripts/bench/module-noop.yml on the converged lab): seconds per call of
# postgresql_query SELECT 1 and of a citus_node call with nothing to change, each averaged over its 30 calls.
noop() {
  local log=$1 query citus
  if ! ANSIBLE_STDOUT_CALLBACK=ansible.posix.json bash "$LAB" play "$ROOT/scripts/bench/module-noop.yml" \
      > "$log" 2>"$log.err"; then
    echo "bench: the module no-op playbook failed; see $log and $log.err" >&2
    exit 1
  fi
  read -r query citus < <("$ROOT/.venv/bin/python" - "$log" <<'PY'
import json
import sys
from datetime import datetime

with open(sys.argv[1]) as handle:
    report = json.load(handle)
seconds = {'Run postgresql_query SELECT 1': 0.0, 'Run citus_node with nothing to change': 0.0}
for play in report['plays']:
    for task in play['tasks']:
        name = task['task']['name']
        if name in seconds:
            span = task['task']['duration']
            seconds[name] += (datetime.fromisoformat(span['end'].replace('Z', '+00:00'))
                              - datetime.fromisoformat(span['start'].replace('Z', '+00:00'))).total_seconds()
print(' '.join(f'{value / 30:.3f}' for value in seconds.values()))
PY
)
  row "$run" noop-query "$query"
  row "$run" noop-citus "$citus"
  TIMES[noop-query]+="$query "
  TIMES[noop-citus]+="$citus "
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (other work on the machine slows every figure)"
row run phase seconds tasks ok changed skipped
for run in $(seq "$RUNS"); do
  export LAB_NAME=$LAB_2 LAB_WORKERS=2
  fresh
  start=$(date +%s.%N)
  if ! bash "$ROOT/scripts/bench/reference.sh" "$LAB_NAME-coordinator" "$LAB_NAME-worker-1" "$LAB_NAME-worker-2" \
      > "$OUT/reference-$run.log" 2>&1; then
    echo "bench: the reference script failed; see $OUT/reference-$run.log" >&2
    exit 1
  fi
  seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  row "$run" reference "$seconds"
  TIMES[reference]+="$seconds "
  fresh
  phase cold "$OUT/cold-$run.json"
  phase rerun "$OUT/rerun-$run.json"
  noop "$OUT/noop-$run.json"
  phase add-96 "$OUT/add-96-$run.json" -e "@$OUT/tables-100.yml"
  phase rerun-100 "$OUT/rerun-100-$run.json" -e "@$OUT/tables-100.yml"
  bash "$LAB" down
  if [ "$SCALE" != 0 ]; then
    export LAB_NAME=$LAB_6 LAB_WORKERS=6
    fresh
    phase cold-6w "$OUT/cold-6w-$run.json"
    phase rerun-6w "$OUT/rerun-6w-$run.json"
    bash "$LAB" down
  fi
done

med() { printf '%s\n' ${TIMES[$1]} | median; }
ratio() { awk -v a="$(med "$1")" -v b="$(med "$2")" 'BEGIN { printf "%.2f", a / b }'; }
scaled=""
[ "$SCALE" != 0 ] && scaled=", cold with 6 workers $(med cold-6w), rerun with 6 workers $(med rerun-6w)"
echo "medians over $RUNS runs (s): reference script $(med reference), cold $(med cold), rerun $(med rerun)," \
  "rerun with 100 tables $(med rerun-100)$scaled"
scaled=""
[ "$SCALE" != 0 ] && scaled=", cold 6 / 2 workers $(ratio cold-6w cold), rerun 6 / 2 workers $(ratio rerun-6w rerun)"
echo "ratios of the medians: cold / reference script $(ratio cold reference), rerun / cold $(ratio rerun cold)," \
  "rerun 100 / 4 tables $(ratio rerun-100 rerun)$scaled"
echo "module no-op (s per call, medians): postgresql_query SELECT 1 $(med noop-query), citus_node $(med noop-citus)," \
  "ratio $(ratio noop-citus noop-query)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
