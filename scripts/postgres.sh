#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server.
#
#     scripts/postgres.sh python3 scripts/dev.py test
#
# Starts a fresh server in a temporary directory, listening on 127.0.0.1 only (first free
# port from $PG_PORT, default 54329), creates the role and database "jsna" (the role may
# create databases, as pytest-django makes "test_jsna"), runs the command with DATABASE_URL
# pointing there, then stops the server and deletes the directory, whatever happens.
# The command's exit status is the script's.
#
# Needs Debian's PostgreSQL server (apt-get install postgresql); $PG_BINDIR overrides the
# newest /usr/lib/postgresql/<version>/bin. Run as root, the server runs as the postgres user
# (it refuses to run as root) and the command as root; otherwise everything runs as you.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0" >&2
    exit 2
fi

PG_DB=${PG_DB:-jsna}
PG_USER=${PG_USER:-jsna}

if [[ -z ${PG_BINDIR:-} ]]; then
    # The newest installed server version (version sort: 9.6 < 10 < 15).
    PG_BINDIR=$(
        printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1 | xargs dirname
    )
fi
for tool in initdb pg_ctl psql; do
    if [[ ! -x $PG_BINDIR/$tool ]]; then
        echo "postgres.sh: $PG_BINDIR/$tool not found; install Debian's postgresql package." >&2
        exit 1
    fi
done

if [[ $EUID -eq 0 ]]; then
    as_server_user() { runuser -u postgres -- "$@"; }
else
    as_server_user() { "$@"; }
fi

PG_BASE=$(mktemp -d /tmp/jsna-pg.XXXXXX)
PG_DATA=$PG_BASE/data
PG_LOG=$PG_BASE/server.log
started=""

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n $started ]]; then
        echo "postgres.sh: stopping the server in $PG_DATA" >&2
        # -m fast ends open connections; fall back to immediate if it does not stop in time.
        (cd / && as_server_user "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop) \
            >/dev/null 2>&1 \
            || (cd / && as_server_user "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m immediate stop) \
            >/dev/null 2>&1 \
            || echo "postgres.sh: could not stop the server" >&2
    fi
    rm -rf "$PG_BASE"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ $EUID -eq 0 ]]; then
    chown postgres: "$PG_BASE"
fi

# cd /: the server user may not be able to enter the current directory.
(cd / && as_server_user "$PG_BINDIR/initdb" -D "$PG_DATA" -A trust -U postgres \
    --encoding=UTF8 --locale=C.UTF-8 >"$PG_BASE/initdb.log" 2>&1) || {
    cat "$PG_BASE/initdb.log" >&2
    echo "postgres.sh: initdb failed" >&2
    exit 1
}

port_in_use() {
    # Something accepts connections on 127.0.0.1:$1.
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

port=${PG_PORT:-54329}
last=$((port + 50))
while :; do
    if ((port > last)); then
        echo "postgres.sh: no free port up to $last for PostgreSQL" >&2
        exit 1
    fi
    if port_in_use "$port"; then
        port=$((port + 1))
        continue
    fi
    if [[ -f $PG_LOG ]]; then
        : >"$PG_LOG"  # Only this attempt's messages.
    fi
    # A throwaway server: no need to survive a crash, so skip fsync for speed.
    if (cd / && as_server_user "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_BASE -c fsync=off -c full_page_writes=off" \
        start >/dev/null); then
        started=1
        break
    fi
    # Lost a race for the port (or a real failure): show why, then try the next port.
    echo "postgres.sh: the server did not start on port $port:" >&2
    tail -n 20 "$PG_LOG" >&2 || true
    if ! grep -q 'could not bind\|Address already in use' "$PG_LOG" 2>/dev/null; then
        exit 1
    fi
    port=$((port + 1))
done

psql_admin() {
    "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"
}
psql_admin -c "CREATE ROLE \"$PG_USER\" LOGIN CREATEDB"
psql_admin -c "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_USER\""
echo "postgres.sh: server on 127.0.0.1:$port, data in $PG_DATA:"
psql_admin -A -t -c 'select version()'

export DATABASE_URL="postgres://$PG_USER@127.0.0.1:$port/$PG_DB"
echo "postgres.sh: DATABASE_URL=$DATABASE_URL"
echo "postgres.sh: \$ $*"

status=0
"$@" || status=$?
exit "$status"
