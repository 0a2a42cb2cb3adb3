#!/usr/bin/env bash
# Makes sure PostgreSQL server binaries (initdb, pg_ctl, postgres) are on this machine.
# Installs them with apt when missing and we may; never starts a system server.
set -euo pipefail

have_binaries() {
  command -v initdb >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && return 0
  compgen -G "/usr/pgsql-*/bin/initdb" >/dev/null && return 0
  compgen -G "/opt/homebrew/opt/postgresql*/bin/initdb" >/dev/null && return 0
  return 1
}

if have_binaries; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL server binaries are missing. Install them (Debian/Ubuntu: 'sudo apt-get install postgresql'; macOS: 'brew install postgresql@16')," >&2
  echo "or set NEON_LOCAL_CONNECTION_STRING to a server whose user has CREATEDB." >&2
  exit 1
fi

echo "Installing PostgreSQL server binaries with apt..."
# Keep the package's own cluster from being started: the tests start their own throwaway one.
policy_added=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  policy_added=1
fi
trap '[ "$policy_added" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql >/dev/null
have_binaries
