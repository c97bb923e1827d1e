#!/usr/bin/env bash
# Prepares everything mailkeep needs on a Debian/Ubuntu machine: system packages, then the locked
# Python environment in .venv (via uv, itself installed into .tools if not on PATH).
# Idempotent: a second run only checks. Usage: scripts/setup.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."

# MAILKEEP_SKIP_SETUP=1: an environment that is already set up is used as it is (offline
# restarts; the test of scripts/run, which must not re-sync the environment the suite runs in).
if [ -n "${MAILKEEP_SKIP_SETUP:-}" ] && [ -x .venv/bin/mailkeep ]; then
  exit 0
fi

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_missing=()
need_pkg() { dpkg -s "$1" >/dev/null 2>&1 || apt_missing+=("$1"); }
if command -v dpkg >/dev/null 2>&1; then
  command -v python3 >/dev/null 2>&1 || need_pkg python3
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_pkg python3-venv
  # python-ldap (directory services) builds against OpenLDAP's client library.
  need_pkg libldap2-dev
  need_pkg libsasl2-dev
  command -v gcc >/dev/null 2>&1 || need_pkg gcc
  if [ "$want_test" = 1 ]; then
    # Browser tests drive Debian's Chromium with Playwright (no browser download).
    need_pkg chromium
    # Directory tests start a throw-away OpenLDAP server and seed it with ldapadd.
    need_pkg slapd
    need_pkg ldap-utils
    # The PostgreSQL tests use the server on 127.0.0.1:5432 when one runs there, or start a
    # private throw-away cluster from the Debian server package.
    if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
      need_pkg postgresql
    fi
    # The archiving-profile tests start a private Dovecot (IMAP and POP3) as nobody.
    need_pkg dovecot-imapd
    need_pkg dovecot-pop3d
  fi
  if [ "${#apt_missing[@]}" -gt 0 ]; then
    echo "setup: installing system packages: ${apt_missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_missing[@]}"
  fi
fi

# Use the system Python when it is new enough; otherwise let uv provide a Python 3.11+.
if python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  # The interpreter itself, not a wrapper such as pyenv's shim: uv compares the path asked for
  # with the environment's, and would otherwise rebuild .venv on every run.
  PYTHON_CHOICE=$(python3 -c 'import sys; print(sys.executable)')
else
  echo "setup: system Python is older than 3.11; uv will provide Python 3.11"
  PYTHON_CHOICE=3.11
fi

UV=$(command -v uv || true)
if [ -z "$UV" ]; then
  if [ ! -x .tools/bin/uv ]; then
    echo "setup: installing uv into .tools"
    python3 -m venv .tools
    .tools/bin/pip install -q 'uv==0.13.9'
  fi
  UV=.tools/bin/uv
fi

"$UV" sync --frozen --quiet --python "$PYTHON_CHOICE"
