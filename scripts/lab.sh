#!/usr/bin/env bash
# The classic Citus lab (one coordinator, two workers) as three local systemd containers, converged with
# playbooks/site.yml and inventory/lab, then seeded with example rows.
#   scripts/lab.sh up      start (or reuse) the containers, converge, seed, and print where the rows went
#   scripts/lab.sh down    remove the containers and their network
# The Citus package: CITUS_DEB=/path/to/postgresql-15-citus-13.2_*.deb (the Makefile passes the emulator package
# `make setup` builds unless you give one), or CITUS_SOURCE=repository for the vendor's apt repository (the
# containers must reach it). The emulator is test infrastructure, not Citus: the script says so when it is used.
# LAB_NAME (default pgcitus-lab) names the containers and the network; scripts/bench.sh uses its own.
# LAB_WORKERS (default 2) is the number of workers (scripts/bench.sh measures 6 as well).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_NAME=${LAB_NAME:-pgcitus-lab}
IMAGE=${PGCITUS_TEST_IMAGE:-pgcitus/test-host:bookworm}
STATE="$ROOT/.cache/$LAB_NAME"
LAB_WORKERS=${LAB_WORKERS:-2}
[[ "$LAB_WORKERS" =~ ^[1-9][0-9]?$ ]] || { echo "lab: LAB_WORKERS must be a number from 1 to 99 (got $LAB_WORKERS)" >&2; exit 2; }
NODES=("$LAB_NAME-coordinator")
for i in $(seq "$LAB_WORKERS"); do NODES+=("$LAB_NAME-worker-$i"); done
COORDINATOR=${NODES[0]}
export PATH="$ROOT/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.cache/collections:$("$ROOT/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
export ANSIBLE_PIPELINING=True ANSIBLE_FORKS=10 ANSIBLE_FORCE_COLOR=${ANSIBLE_FORCE_COLOR:-0}
export ANSIBLE_INVENTORY_UNPARSED_WARNING=False ANSIBLE_LOCALHOST_WARNING=False

say() { printf '==> %s\n' "$*"; }
die() { printf 'lab: %s\n' "$*" >&2; exit 1; }

inventory() {
  if [ "$LAB_NAME" = pgcitus-lab ] && [ "$LAB_WORKERS" = 2 ]; then
    echo "$ROOT/inventory/lab/hosts.yml"
    return
  fi
  # Another lab (scripts/bench.sh): the lab's inventory with its own container names and number of workers, and the
  # lab's group_vars.
  mkdir -p "$STATE"
  ln -sfn "$ROOT/inventory/lab/group_vars" "$STATE/group_vars"
  {
    printf 'citus_workers:\n  hosts:\n'
    printf '    %s:\n' "${NODES[@]:1}"
    printf 'citus_coordinator:\n  hosts:\n    %s:\n' "$COORDINATOR"
    sed -n '/^all:/,$p' "$ROOT/inventory/lab/hosts.yml"
  } > "$STATE/hosts.yml"
  echo "$STATE/hosts.yml"
}

# Chooses the Citus package and sets CITUS_SOURCE (files|repository) and CITUS_DEB; loud about the emulator.
choose_citus() {
  if [ "${CITUS_SOURCE:-}" = repository ]; then
    say "Citus from the vendor's apt repository (CITUS_SOURCE=repository): the containers must reach it"
    CITUS_DEB=""
    return
  fi
  CITUS_SOURCE=files
  if [ -z "${CITUS_DEB:-}" ] && [ -f "$ROOT/.cache/citus-deb" ]; then
    CITUS_DEB=$(cat "$ROOT/.cache/citus-deb")
  fi
  [ -n "${CITUS_DEB:-}" ] || die "no Citus package: run \`make setup\` (builds the emulator package), or set CITUS_DEB=/path/to/postgresql-15-citus-13.2_*.deb, or CITUS_SOURCE=repository"
  [ -f "$CITUS_DEB" ] || die "CITUS_DEB=$CITUS_DEB does not exist: give the path of a postgresql-15-citus-13.2 .deb"
  CITUS_DEB=$(realpath "$CITUS_DEB")
  if dpkg-deb -f "$CITUS_DEB" Version | grep -q emulator; then
    cat <<BANNER
################################################################################################
#  USING THE CITUS API EMULATOR, NOT CITUS.                                                    #
#  No real Citus package was given (CITUS_DEB is the emulator package `make setup` builds)    #
#  and no Citus repository was asked for, so the lab installs the project's test stand-in: it  #
#  answers Citus's SQL API and keeps the metadata (nodes, shards, placements) but moves no     #
#  data: the rows stay on the coordinator.                                                     #
#  For real Citus: CITUS_DEB=/path/to/postgresql-15-citus-13.2_*.deb make lab                  #
#              or: CITUS_SOURCE=repository make lab   (the vendor's apt repository)            #
################################################################################################
BANNER
  else
    say "Citus from $CITUS_DEB"
  fi
  export CITUS_DEB
}

password() {
  mkdir -p "$STATE"
  if [ ! -s "$STATE/cluster-password" ]; then
    (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(24))' > "$STATE/cluster-password")
  fi
  PGCITUS_CLUSTER_PASSWORD=$(cat "$STATE/cluster-password")
  export PGCITUS_CLUSTER_PASSWORD
}

containers() {
  docker image inspect "$IMAGE" >/dev/null 2>&1 || die "image $IMAGE is missing: run \`make setup\`"
  docker network inspect "$LAB_NAME" >/dev/null 2>&1 || docker network create "$LAB_NAME" >/dev/null
  local node
  for node in "${NODES[@]}"; do
    if [ "$(docker inspect -f '{{.State.Running}}' "$node" 2>/dev/null)" = true ]; then
      continue
    fi
    docker rm -f "$node" >/dev/null 2>&1 || true
    docker run -d --name "$node" --hostname "$node" --network "$LAB_NAME" \
      --cap-add SYS_ADMIN --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
      --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
      --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
      --label "pgcitus.lab=$LAB_NAME" "$IMAGE" /lib/systemd/systemd >/dev/null
  done
  # systemd answers only once it has set up its bus: ask again until it has booted (at most 60 s).
  local state
  for node in "${NODES[@]}"; do
    for _ in $(seq 60); do
      state=$(docker exec "$node" systemctl is-system-running --wait 2>/dev/null || true)
      case "$state" in running|degraded) break ;; esac
      sleep 1
    done
    case "$state" in running|degraded) ;; *) die "systemd in $node did not boot within 60 s (says '$state')";; esac
  done
}

# ansible-playbook site.yml against the lab; extra arguments go to ansible-playbook.
converge() {
  local extra=()
  [ "$CITUS_SOURCE" = repository ] && extra+=(-e '{"citus_package_files": []}')
  ansible-playbook -i "$(inventory)" "${extra[@]}" "$@" "$ROOT/playbooks/site.yml"
}

psql_coordinator() {
  docker exec -i -u postgres "$COORDINATOR" psql -X -v ON_ERROR_STOP=1 -q "$@"
}

seed() {
  say "Inserting the seed rows"
  psql_coordinator <<'SQL'
INSERT INTO customers (id, name, country)
SELECT i, 'Customer ' || i, (ARRAY['DE', 'FR', 'NL', 'US', 'JP'])[1 + i % 5] FROM generate_series(1, 10) AS i
ON CONFLICT DO NOTHING;
INSERT INTO users (id, email) SELECT i, 'user' || i || '@example.com' FROM generate_series(1, 100) AS i
ON CONFLICT DO NOTHING;
INSERT INTO orders (customer_id, id, total)
SELECT 1 + i % 10, i, round((i * 7.31)::numeric % 500, 2) FROM generate_series(1, 200) AS i
ON CONFLICT DO NOTHING;
INSERT INTO order_items (customer_id, order_id, id, product, quantity)
SELECT o.customer_id, o.id, n, 'Product ' || (o.id * n) % 17, 1 + n FROM orders o, generate_series(1, 3) AS n
ON CONFLICT DO NOTHING;
SQL
}

report() {
  say "Where the rows went (rows counted by the shard their distribution column hashes to)"
  psql_coordinator <<'SQL'
\pset footer off
SELECT citus_version() AS "Citus";
SELECT nodename AS node, nodeport AS port, CASE WHEN groupid = 0 THEN 'coordinator' ELSE 'worker' END AS role,
       isactive AS active, shouldhaveshards AS has_shards
FROM pg_dist_node ORDER BY groupid;
WITH keyed AS (
  SELECT 'users'::regclass AS rel, hashint8(id) AS h FROM users
  UNION ALL SELECT 'orders'::regclass, hashint8(customer_id) FROM orders
  UNION ALL SELECT 'order_items'::regclass, hashint8(customer_id) FROM order_items
), per_shard AS (
  SELECT s.logicalrelid, s.shardid, count(k.h) AS n
  FROM pg_dist_shard s
  LEFT JOIN keyed k ON k.rel = s.logicalrelid AND k.h BETWEEN s.shardminvalue::int AND s.shardmaxvalue::int
  WHERE s.logicalrelid IN ('users'::regclass, 'orders'::regclass, 'order_items'::regclass)
  GROUP BY 1, 2
)
SELECT p.nodename AS node, ps.logicalrelid::text AS "table", count(*) AS shard_placements, sum(ps.n) AS "rows"
FROM per_shard ps JOIN pg_dist_shard_placement p USING (shardid)
GROUP BY 1, 2
UNION ALL
SELECT p.nodename, 'customers (reference)', count(*), (SELECT count(*) FROM customers)
FROM pg_dist_shard s JOIN pg_dist_shard_placement p USING (shardid)
WHERE s.logicalrelid = 'customers'::regclass GROUP BY 1
ORDER BY 1, 2;
SQL
  cat <<EOF
==> The lab is up: coordinator $COORDINATOR, workers ${NODES[*]:1} (Docker network $LAB_NAME).
    Connect:    docker exec -it -u postgres $COORDINATOR psql
    Again:      make lab   (converges again with inventory/lab: a rerun changes nothing)
    Password:   the nodes' cluster password is in $STATE/cluster-password
    Remove:     make lab-down
EOF
}

down() {
  local ids
  ids=$(docker ps -aq --filter "label=pgcitus.lab=$LAB_NAME")
  if [ -n "$ids" ]; then
    say "Removing the containers of $LAB_NAME"
    # shellcheck disable=SC2086
    docker rm -f $ids >/dev/null
  fi
  docker network rm "$LAB_NAME" >/dev/null 2>&1 || true
}

main() {
  case "${1:-}" in
    up)
      choose_citus
      password
      say "Starting the containers ${NODES[*]}"
      containers
      say "Converging playbooks/site.yml"
      converge
      seed
      report
      ;;
    down) down ;;
    # For scripts/bench.sh: each step alone.
    containers) containers ;;
    converge) shift; choose_citus >/dev/null; password; converge "$@" ;;
    play) shift; choose_citus >/dev/null; password; ansible-playbook -i "$(inventory)" "$@" ;;
    *) echo "usage: scripts/lab.sh up|down" >&2; exit 2 ;;
  esac
}

main "$@"
