#!/usr/bin/env bash
# Install (first time only) and start the app on the embedded Shanghai default: http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m streamlit run app.py "$@"
