# A throw-away PostgreSQL 15 cluster for the benchmark scripts, started exactly as the tests
# start theirs (Tests/TestSupport/PostgresCluster.swift): initdb as the postgres user (initdb
# refuses root), trust authentication, a Unix socket in a temporary directory and no TCP port,
# stopped and removed on exit. Durability is as the SQLite queue's (WAL with synchronous =
# NORMAL: a crash may lose the last commits, never corrupt): synchronous_commit off, fsync on,
# so the two backends are compared on equal terms.
#   source scripts/lib/throwaway-postgres.sh; pg_start; … "$pg_url" …; createdb_pg NAME
pg_bin=/usr/lib/postgresql/15/bin
pg_work=$(mktemp -d /tmp/enhance-bench-pg.XXXXXX)
chmod 755 "$pg_work"
pg_url="postgresql:///postgres?host=$pg_work/sock&user=postgres"

as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

pg_stop() {
    [[ -f "$pg_work/data/postmaster.pid" ]] && as_postgres "$pg_bin/pg_ctl" -D "$pg_work/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$pg_work"
}

pg_start() {
    mkdir -p "$pg_work/sock"
    chown -R postgres:postgres "$pg_work"
    as_postgres "$pg_bin/initdb" -D "$pg_work/data" --auth=trust -U postgres -E UTF8 --no-sync >/dev/null
    as_postgres "$pg_bin/pg_ctl" -D "$pg_work/data" -l "$pg_work/pg.log" -w -t 30 \
        -o "-c listen_addresses='' -c unix_socket_directories=$pg_work/sock -c synchronous_commit=off -c max_connections=200" \
        start >/dev/null
}

# Creates database NAME and prints its URL.
createdb_pg() {
    "$pg_bin/createdb" -h "$pg_work/sock" -U postgres "$1"
    echo "postgresql:///$1?host=$pg_work/sock&user=postgres"
}

# Runs one query in database NAME, unaligned.
psql_pg() { "$pg_bin/psql" -h "$pg_work/sock" -U postgres -d "$1" -Atqc "$2"; }
