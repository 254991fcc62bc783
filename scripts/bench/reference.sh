#!/usr/bin/env bash
# The benchmark's reference: a hand-written script that takes fresh lab containers (scripts/lab.sh containers) to the
# end state playbooks/site.yml reaches with inventory/lab, over `docker exec`, with nothing checked twice and every
# node worked on at once. It is what the collection's cold converge is compared with (scripts/bench.sh), so it does
# the same work and no less:
#   - the same packages on every node (postgresql-15, postgresql-client-15, python3-psycopg2, acl from Debian's apt,
#     after a package-list refresh, with the packages they recommend, as apt's default and the role install them:
#     logrotate, which rotates PostgreSQL's logs, among them; the Citus package file of CITUS_DEB with dpkg);
#   - an EC P-256 cluster CA made on the controller, and each node's key and certificate (its container name,
#     localhost and its address; server and client usage) signed by it, as the server's certificate and as the postgres
#     user's client certificate, with the CA as root.crt;
#   - the settings of conf.d/50-postgresql.conf and conf.d/60-citus.conf (citus preloaded, wal_level logical, TLS,
#     citus.node_conninfo verify-full with the client certificate, output_plugin_libraries), pg_hba.conf with the
#     members' hostssl scram-sha-256 clientcert=verify-ca rules, the postgres password and ~postgres/.pgpass;
#   - one restart, the citus extension, and on the coordinator: itself and the workers registered, the lab's seed
#     schema, customers a reference table, users distributed concurrently, orders with 32 shards and two placements,
#     order_items colocated with it.
# It knows the answers in advance (fresh containers, one run): it checks nothing, which is what makes it the floor.
# Usage: reference.sh COORDINATOR WORKER... (container names); CITUS_DEB and PGCITUS_CLUSTER_PASSWORD from the
# environment (scripts/bench.sh sets both).
set -euo pipefail

[ "$#" -ge 2 ] || { echo "usage: reference.sh COORDINATOR WORKER..." >&2; exit 2; }
: "${CITUS_DEB:?set CITUS_DEB to the Citus package file}" "${PGCITUS_CLUSTER_PASSWORD:?set PGCITUS_CLUSTER_PASSWORD}"
NODES=("$@")
COORDINATOR=$1
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
CONF=/etc/postgresql/15/main

# The CA and every node's certificate, on the controller (as the citus role makes them).
openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/ca.key" 2>/dev/null
openssl req -x509 -new -key "$WORK/ca.key" -subj '/CN=pgcitus cluster CA' -days 3650 -out "$WORK/ca.crt" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
declare -A ADDRESS
for node in "${NODES[@]}"; do
  ADDRESS[$node]=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$node")
  openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/$node.key" 2>/dev/null
  openssl req -new -key "$WORK/$node.key" -subj "/CN=$node" -out "$WORK/$node.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s,DNS:localhost,IP:%s\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n' \
    "$node" "${ADDRESS[$node]}" > "$WORK/$node.ext"
  openssl x509 -req -in "$WORK/$node.csr" -CA "$WORK/ca.crt" -CAkey "$WORK/ca.key" -CAcreateserial -days 825 \
    -extfile "$WORK/$node.ext" -out "$WORK/$node.crt" 2>/dev/null
done

# The members' rules and password lines, the same on every node.
{
  printf 'local all postgres peer\nlocal all all peer\nhost all all 127.0.0.1/32 scram-sha-256\n'
  printf 'host all all ::1/128 scram-sha-256\nlocal replication all peer\n'
  printf 'host replication all 127.0.0.1/32 scram-sha-256\nhost replication all ::1/128 scram-sha-256\n'
  for node in "${NODES[@]}"; do
    printf 'hostssl %s postgres %s/32 scram-sha-256 clientcert=verify-ca\n' all "${ADDRESS[$node]}" \
      replication "${ADDRESS[$node]}"
  done
} > "$WORK/pg_hba.conf"
{
  for node in "${NODES[@]}" localhost; do printf '%s:5432:*:postgres:%s\n' "$node" "$PGCITUS_CLUSTER_PASSWORD"; done
} > "$WORK/pgpass"
cat > "$WORK/50-postgresql.conf" <<'EOF'
listen_addresses = '*'
port = 5432
password_encryption = 'scram-sha-256'
log_min_duration_statement = 1000
max_connections = 100
EOF
cat > "$WORK/60-citus.conf" <<EOF
shared_preload_libraries = 'citus'
wal_level = 'logical'
max_prepared_transactions = 200
output_plugin_libraries = 'pgoutput,test_decoding,citus'
citus.node_conninfo = 'sslmode=verify-full sslrootcert=/var/lib/postgresql/.postgresql/root.crt sslcert=/var/lib/postgresql/.postgresql/postgresql.crt sslkey=/var/lib/postgresql/.postgresql/postgresql.key'
ssl = on
ssl_cert_file = '$CONF/tls/server.crt'
ssl_key_file = '$CONF/tls/server.key'
ssl_ca_file = '$CONF/tls/ca.crt'
EOF

# One node: packages, files, restart, password, extension.
node_up() {
  local node=$1 stage="$WORK/stage-$1"
  mkdir -p "$stage"
  cp "$WORK/ca.crt" "$WORK/$node.crt" "$WORK/$node.key" "$WORK/pg_hba.conf" "$WORK/pgpass" \
    "$WORK/50-postgresql.conf" "$WORK/60-citus.conf" "$stage/"
  cp "$CITUS_DEB" "$stage/citus.deb"
  docker cp "$stage" "$node:/var/tmp/pgcitus-reference"
  docker exec -e PW="$PGCITUS_CLUSTER_PASSWORD" -e NODE="$node" "$node" bash -euo pipefail -c '
    cd /var/tmp/pgcitus-reference
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq -o Dpkg::Use-Pty=0 postgresql-15 postgresql-client-15 python3-psycopg2 acl > /dev/null
    dpkg -i citus.deb > /dev/null
    conf=/etc/postgresql/15/main home=/var/lib/postgresql
    install -d -o postgres -g postgres -m 0750 $conf/tls
    install -d -o postgres -g postgres -m 0700 $home/.postgresql
    install -o postgres -g postgres -m 0644 ca.crt $conf/tls/ca.crt
    install -o postgres -g postgres -m 0644 ca.crt $home/.postgresql/root.crt
    install -o postgres -g postgres -m 0644 $NODE.crt $conf/tls/server.crt
    install -o postgres -g postgres -m 0644 $NODE.crt $home/.postgresql/postgresql.crt
    install -o postgres -g postgres -m 0600 $NODE.key $conf/tls/server.key
    install -o postgres -g postgres -m 0600 $NODE.key $home/.postgresql/postgresql.key
    install -o postgres -g postgres -m 0600 pgpass $home/.pgpass
    install -o postgres -g postgres -m 0640 pg_hba.conf $conf/pg_hba.conf
    install -o postgres -g postgres -m 0644 50-postgresql.conf 60-citus.conf $conf/conf.d/
    systemctl restart postgresql@15-main
    su postgres -c "psql -XAtq -v ON_ERROR_STOP=1" <<SQL
ALTER ROLE postgres PASSWORD '"'"'$PW'"'"';
CREATE EXTENSION IF NOT EXISTS citus;
SQL
    rm -rf /var/tmp/pgcitus-reference'
}

pids=()
for node in "${NODES[@]}"; do node_up "$node" & pids+=($!); done
for pid in "${pids[@]}"; do wait "$pid"; done

# The cluster, from the coordinator: nodes, schema, tables (the lab's group_vars/citus_coordinator.yml).
{
  printf "SELECT citus_set_coordinator_host('%s', 5432);\n" "$COORDINATOR"
  for node in "${NODES[@]:1}"; do printf "SELECT citus_add_node('%s', 5432);\n" "$node"; done
  cat <<'SQL'
CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS customers (id bigint PRIMARY KEY, name text NOT NULL, country text);
CREATE TABLE IF NOT EXISTS orders (customer_id bigint NOT NULL, id bigint NOT NULL, total numeric(12, 2) NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (customer_id, id));
CREATE TABLE IF NOT EXISTS order_items (customer_id bigint NOT NULL, order_id bigint NOT NULL, id bigint NOT NULL,
  product text NOT NULL, quantity integer NOT NULL DEFAULT 1, PRIMARY KEY (customer_id, order_id, id));
SELECT create_reference_table('customers');
SELECT create_distributed_table_concurrently('users', 'id');
BEGIN;
SET LOCAL citus.shard_replication_factor = 2;
SELECT create_distributed_table('orders', 'customer_id', shard_count => 32);
SELECT create_distributed_table('order_items', 'customer_id', colocate_with => 'orders');
COMMIT;
SQL
} | docker exec -i -u postgres "$COORDINATOR" psql -XAtq -v ON_ERROR_STOP=1 > /dev/null
