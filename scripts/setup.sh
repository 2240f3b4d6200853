#!/usr/bin/env bash
# Set up a fresh machine: a virtual environment in .venv with the pinned packages and the project
# itself installed into it (`pip install -e .`, which puts the command line on .venv/bin/ylt).
#   bash scripts/setup.sh          runtime (for the app), with Debian's Pango and CJK fonts for PDF reports
#   bash scripts/setup.sh --dev    also test packages, Debian's chromium, gdal-bin and poppler-utils
# Needs Python 3.11 or newer (set PYTHON=/path/to/python3.x to choose one), and root or sudo for
# the Debian packages it finds missing. Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "setup: $*" >&2; }

# --- Python >= 3.11, and a venv module that works ------------------------------------------------
python_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }
if [ -n "${PYTHON:-}" ]; then
  candidates=("$PYTHON")
else
  candidates=(python3 python3.11 python3.12 python3.13 python3.14)
fi
PY=""
for candidate in "${candidates[@]}"; do
  if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
    PY=$(command -v "$candidate")
    break
  fi
done
if [ -z "$PY" ]; then
  found=$("${candidates[0]}" --version 2>/dev/null || echo "no ${candidates[0]}")
  say "Python 3.11 or newer is needed (found: $found)."
  say "On Debian 12 or Ubuntu 22.04 and later: sudo apt-get install python3 python3-venv"
  say "Elsewhere install Python 3.11+ and run again with PYTHON=/path/to/python3.11 bash $0"
  exit 1
fi
PYVER=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')

# --- Debian packages -----------------------------------------------------------------------------
# Pango and the Noto CJK fonts for the PDF reports (WeasyPrint) always; for the tests also chromium
# (browser tests), gdal-bin (ogrinfo reads exports back) and poppler-utils (pdftoppm turns report
# pages into images); python3.X-venv when Debian's Python lacks ensurepip (python3 -m venv fails).
missing=()
# grep without -q reads all of the input: with -q, the writer dies of SIGPIPE and pipefail fails
ldconfig -p 2>/dev/null | grep "libpangoft2-1.0.so.0" >/dev/null || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || missing+=(fonts-noto-cjk)
if [ "${1:-}" = "--dev" ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v ogrinfo >/dev/null 2>&1 || missing+=(gdal-bin)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
fi
if [ ! -x .venv/bin/python ] && ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  case "$PY" in
    /usr/bin/*) missing+=("python$PYVER-venv") ;;  # Debian's own Python: its venv is a package of its own
    *) say "$PY cannot make a virtual environment (no ensurepip): install its venv support, or run again"
       say "with PYTHON=/usr/bin/python3 (Debian's, whose venv support apt can install: python$PYVER-venv)."
       exit 1 ;;
  esac
fi

# The lock files apt and dpkg hold while they work (fcntl locks). A fresh machine often runs
# unattended-upgrades just after boot; rather than fail at once, wait (10 minutes at most).
APT_WAIT=${APT_WAIT:-600}
apt_lock_holder() {  # "FILE PID NAME" of the first lock held by another process, or nothing
  local f id pid
  for f in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock; do
    [ -e "$f" ] || continue
    id=$(stat -c '%Hd %Ld %i' "$f" 2>/dev/null | awk '{ printf "%02x:%02x:%s", $1, $2, $3 }') || continue
    # /proc/locks: "N: POSIX ADVISORY WRITE PID MAJ:MIN:INODE START END" ("N: -> ..." are waiters)
    pid=$(awk -v id="$id" '$2 != "->" && $6 == id { print $5; exit }' /proc/locks 2>/dev/null)
    if [ -n "$pid" ]; then
      echo "$f $pid $(cat "/proc/$pid/comm" 2>/dev/null || echo '?')"
      return
    fi
  done
}
wait_for_apt() {
  local held waited=0 told=""
  while held=$(apt_lock_holder) && [ -n "$held" ]; do
    if [ -z "$told" ]; then
      set -- $held
      say "waiting for $3 (process $2) to finish with apt: it holds $1 (on a fresh machine this is"
      say "usually unattended-upgrades; waiting up to $APT_WAIT s, Ctrl-C to stop)"
      told=1
    fi
    if [ "$waited" -ge "$APT_WAIT" ]; then
      say "apt is still locked after $APT_WAIT s by: $held. Let it finish (or stop it), then run again."
      exit 1
    fi
    sleep 5
    waited=$((waited + 5))
  done
  [ -z "$told" ] || say "apt is free after ${waited} s"
}

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      SUDO=(sudo)
    else
      say "these Debian packages are missing: ${missing[*]}"
      say "installing them needs root, and sudo is not installed. As root, run:"
      say "  apt-get update && apt-get install --no-install-recommends ${missing[*]}"
      say "then run this command again."
      exit 1
    fi
  fi
  say "installing Debian packages: ${missing[*]}"
  for attempt in 1 2 3; do
    wait_for_apt
    # apt-get update takes /var/lib/apt/lists/lock and does not wait for it (DPkg::Lock::Timeout
    # covers only dpkg's locks): if another apt took it since the check, wait and try again
    if ${SUDO[@]+"${SUDO[@]}"} apt-get -o DPkg::Lock::Timeout="$APT_WAIT" update -qq; then
      break
    fi
    [ "$attempt" -lt 3 ] && [ -n "$(apt_lock_holder)" ] || { say "apt-get update failed"; exit 1; }
  done
  wait_for_apt
  ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$APT_WAIT" install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- the virtual environment ---------------------------------------------------------------------
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  # (a venv left without pip, as a failed `python3 -m venv` leaves it, is made again)
  "$PY" -m venv --clear .venv
fi
PIP=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
if [ "${1:-}" = "--dev" ]; then
  "${PIP[@]}" -r requirements-dev.txt
else
  "${PIP[@]}" -r requirements.txt
fi
# The project itself, editable (its code stays here). Its packages are listed in the install, so it
# is done again when pyproject.toml or the set of packages changes.
stamp=.venv/.ylt-installed
want=$(cat pyproject.toml; ls -d -- */__init__.py 2>/dev/null)
if [ ! -x .venv/bin/ylt ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  # (setuptools warns at length about geodata/default/, a data folder beside geodata/default.py,
  # and about editable installs in general: shown only if the install fails)
  if ! log=$("${PIP[@]}" --no-deps -e . 2>&1); then
    echo "$log" >&2
    say "pip install -e . failed"
    exit 1
  fi
  printf '%s\n' "$want" > "$stamp"
fi
