#!/usr/bin/env bash
# Times the lab's playbook over N runs (BENCH_RUNS, default 3): a cold converge of playbooks/site.yml on fresh
# containers, then a no-change rerun (which must report zero changes). Prints every run and the medians, with the
# task and change counts from Ansible's own statistics. Uses its own containers (LAB_NAME=pgcitus-bench), so a
# running `make lab` is left alone.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-3}
export LAB_NAME=${BENCH_LAB_NAME:-pgcitus-bench}
OUT="$ROOT/.cache/$LAB_NAME"
LAB="$ROOT/scripts/lab.sh"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_RUNS must be a positive number (got $RUNS)" >&2; exit 2; }
mkdir -p "$OUT"
trap 'bash "$LAB" down' EXIT

# One playbook run with the json callback; prints "seconds tasks ok changed skipped failed".
timed_converge() {
  local log=$1 start end
  start=$(date +%s.%N)
  if ! ANSIBLE_STDOUT_CALLBACK=ansible.posix.json bash "$LAB" converge > "$log" 2>"$log.err"; then
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

cold_times=() rerun_times=() boot_times=()
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (other work on the machine slows every figure)"
printf '%-4s %-8s %8s %7s %7s %8s %8s\n' run phase seconds tasks ok changed skipped
for run in $(seq "$RUNS"); do
  bash "$LAB" down
  start=$(date +%s.%N)
  bash "$LAB" containers
  boot_times+=("$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')")
  read -r seconds tasks ok changed skipped failed < <(timed_converge "$OUT/cold-$run.json")
  printf '%-4s %-8s %8s %7s %7s %8s %8s\n' "$run" cold "$seconds" "$tasks" "$ok" "$changed" "$skipped"
  cold_times+=("$seconds")
  read -r seconds tasks ok changed skipped failed < <(timed_converge "$OUT/rerun-$run.json")
  printf '%-4s %-8s %8s %7s %7s %8s %8s\n' "$run" rerun "$seconds" "$tasks" "$ok" "$changed" "$skipped"
  rerun_times+=("$seconds")
  if [ "$changed" != 0 ]; then
    echo "bench: the no-change rerun reported $changed changes (see $OUT/rerun-$run.json)" >&2
    exit 1
  fi
done
echo "medians over $RUNS runs: containers up $(printf '%s\n' "${boot_times[@]}" | median) s," \
  "cold converge $(printf '%s\n' "${cold_times[@]}" | median) s," \
  "no-change rerun $(printf '%s\n' "${rerun_times[@]}" | median) s (0 changes)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
