#!/usr/bin/env bash
# Install (first time only) and run every test, browser tests included (offline, headless chromium).
# The first run installs Debian packages with apt-get, as root or through sudo (scripts/setup.sh).
# Arguments go to pytest; the fast loop without chromium and the long tests:
#   bash scripts/test.sh -m "not browser and not slow"
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
# two workers (pytest-xdist): the browser tests one at a time on one, the rest on the other
# (tests/conftest.py groups them); TEST_WORKERS=0 runs everything in this one process
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist loadgroup "$@"
