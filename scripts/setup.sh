#!/usr/bin/env bash
# Set up a fresh machine: a virtual environment in .venv with the pinned packages.
#   bash scripts/setup.sh          runtime (for the app), with Debian's Pango and CJK fonts for PDF reports
#   bash scripts/setup.sh --dev    also test packages, Debian's chromium, gdal-bin and poppler-utils
# Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true

# Debian packages: Pango and the Noto CJK fonts for the PDF reports (WeasyPrint) always; for the
# tests also chromium (browser tests), gdal-bin (ogrinfo reads exports back) and poppler-utils
# (pdftoppm turns report pages into images).
missing=()
# grep without -q reads all of the input: with -q, the writer dies of SIGPIPE and pipefail fails
ldconfig -p 2>/dev/null | grep "libpangoft2-1.0.so.0" >/dev/null || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || missing+=(fonts-noto-cjk)
if [ "${1:-}" = "--dev" ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v ogrinfo >/dev/null 2>&1 || missing+=(gdal-bin)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
fi
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--dev" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
else
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
fi
