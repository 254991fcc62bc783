#!/usr/bin/env bash
# Runs Molecule scenarios (`molecule test -s NAME`), MOLECULE_JOBS at a time (default 2), the longest first, each into
# its own log (.cache/molecule-logs/NAME.log) that is printed whole once the scenario ends, so that two scenarios'
# lines never mix. Every scenario has its own containers and network, so two can run side by side; much of a
# scenario's time is waiting (systemd boots, package downloads, Patroni's and etcd's timers), which the other one
# uses. Exits non-zero when any scenario failed, after all have run, and names them.
# Usage: scripts/molecule.sh SCENARIO...
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JOBS=${MOLECULE_JOBS:-2}
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || { echo "molecule.sh: MOLECULE_JOBS must be a positive number (got $JOBS)" >&2; exit 2; }
[ "$#" -gt 0 ] || { echo "usage: scripts/molecule.sh SCENARIO..." >&2; exit 2; }
LOGS="$ROOT/.cache/molecule-logs"
mkdir -p "$LOGS"
rm -f "$LOGS"/*.status

# Longest first (measured on 2 cores), so that the last scenarios to start are short ones; unknown names go last.
ORDER=(ha convert upgrade default operations faults security repository validation)
scenarios=()
for name in "${ORDER[@]}"; do
  for wanted in "$@"; do [ "$wanted" = "$name" ] && scenarios+=("$name"); done
done
for wanted in "$@"; do
  [[ " ${ORDER[*]} " == *" $wanted "* ]] || scenarios+=("$wanted")
done

run_one() {
  local name=$1 log="$LOGS/$1.log" start rc=0
  start=$(date +%s)
  molecule --base-config "$ROOT/.config/molecule/config.yml" test -s "$name" > "$log" 2>&1 || rc=$?
  local seconds=$(( $(date +%s) - start ))
  echo "$rc $seconds" > "$LOGS/$name.status"
  {
    flock 9
    echo "======== molecule test -s $name: $([ "$rc" = 0 ] && echo passed || echo "FAILED (rc $rc)") in ${seconds} s ========"
    cat "$log"
    echo "======== end of $name ========"
  } 9> "$LOGS/.print.lock"
}
export -f run_one
export ROOT LOGS

cd "$ROOT"
echo "molecule.sh: ${#scenarios[@]} scenarios, $JOBS at a time: ${scenarios[*]}"
printf '%s\n' "${scenarios[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_one "$1"' _ {} || true

failed=()
echo "molecule.sh: summary"
for name in "${scenarios[@]}"; do
  if [ -f "$LOGS/$name.status" ]; then
    read -r rc seconds < "$LOGS/$name.status"
  else
    rc=missing seconds=-
  fi
  printf '  %-12s %-8s %6s s\n' "$name" "$([ "$rc" = 0 ] && echo passed || echo failed)" "$seconds"
  [ "$rc" = 0 ] || failed+=("$name")
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "molecule.sh: failed: ${failed[*]} (logs in $LOGS)" >&2
  exit 1
fi
