#!/usr/bin/env bash
# Install (first time only) and run every test, browser tests included (offline, headless chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
exec .venv/bin/python -m pytest "$@"
