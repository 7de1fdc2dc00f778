# Start and stop a private PostgreSQL server: sourced by .ci/run and bench/loadtest.sh.
# pg_start exports DATABASE_URL (and MISSIONPLANNER_PG_CTL for tests that stop and start it).

pg_bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

pg_start() {
  if [ -z "$(pg_bin_dir)" ]; then
    echo "Installing PostgreSQL (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  PG_BIN=$(pg_bin_dir)
  PG_ROOT=$(mktemp -d /tmp/missionplanner-pg.XXXXXX)
  PG_PORT=${PG_PORT:-$((20000 + RANDOM % 20000))}
  # PostgreSQL refuses to run as root; run it as the postgres account the package creates.
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$PG_ROOT"
    AS_PG=(runuser -u postgres --)
  else
    AS_PG=()
  fi
  "${AS_PG[@]}" "$PG_BIN/initdb" -D "$PG_ROOT/data" -U missionplanner --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  # Settings live in the data directory, so a plain `pg_ctl start` (as the fault tests do) brings
  # the server back exactly as it was.
  printf "port = %s\nunix_socket_directories = '%s'\nlisten_addresses = '127.0.0.1'\n%s\n" \
    "$PG_PORT" "$PG_ROOT" "${PG_EXTRA_CONF:-}" >> "$PG_ROOT/data/postgresql.conf"
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_ROOT/data" -l "$PG_ROOT/server.log" -w start >/dev/null
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U missionplanner missionplanner
  export DATABASE_URL="postgres://missionplanner@127.0.0.1:$PG_PORT/missionplanner"
  export MISSIONPLANNER_PG_CTL="${AS_PG[*]} $PG_BIN/pg_ctl -D $PG_ROOT/data -l $PG_ROOT/server.log"
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') listening on 127.0.0.1:$PG_PORT"
}

pg_stop() {
  [ -n "${PG_ROOT:-}" ] || return 0
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_ROOT/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PG_ROOT"
}
