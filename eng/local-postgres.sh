#!/usr/bin/env bash
# Stops the embedded PostgreSQL cluster in a folder (default: the product's per-user folder).
# It is ended through pg_ctl and the pid in its own postmaster.pid: only our server, never by name.
#   eng/local-postgres.sh stop [ROOT]
set -euo pipefail
cmd=${1:-}
root=${2:-${NEON_LOCAL_DATA_DIR:-}}
if [ -z "$root" ]; then
  if [ "$(id -u)" -eq 0 ]; then root=$(ls -d /var/tmp/neon-testing-root/pg* 2>/dev/null | head -n1 || true)
  else root=$(ls -d "${XDG_CACHE_HOME:-$HOME/.cache}"/neon-testing/pg* 2>/dev/null | head -n1 || true); fi
fi
[ "$cmd" = "stop" ] || { echo "usage: $0 stop [ROOT]" >&2; exit 2; }
[ -n "$root" ] && [ -f "$root/data/postmaster.pid" ] || { echo "No embedded PostgreSQL running${root:+ in $root}."; exit 0; }

pg_ctl=$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n1)
if [ "$(id -u)" -eq 0 ]; then
  runuser -u nobody -- "$pg_ctl" stop -D "$root/data" -m fast -w -t 60
else
  "$pg_ctl" stop -D "$root/data" -m fast -w -t 60
fi
