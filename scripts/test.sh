#!/usr/bin/env bash
# Install (first time only) and run every test, browser tests included (offline, headless chromium).
# The first run installs Debian packages with apt-get, as root or through sudo (scripts/setup.sh).
# Arguments go to pytest; the fast loop without chromium and the long tests:
#   bash scripts/test.sh -m "not browser and not slow"
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
exec .venv/bin/python -m pytest "$@"
