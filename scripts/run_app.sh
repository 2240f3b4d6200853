#!/usr/bin/env bash
# Install (first time only) and start the app on the embedded Shanghai default: http://localhost:8501
# The first run installs Debian's Pango and CJK fonts (PDF reports) with apt-get, as root or through
# sudo (scripts/setup.sh says what to install when neither is there), and the Python packages into .venv.
# Arguments go to Streamlit: bash scripts/run_app.sh --server.port 8600 --server.address 127.0.0.1
# Several planners at once: YLT_WORKERS=2 bash scripts/run_app.sh (one Streamlit process per core
# behind one port, scripts/serve.py, which takes the same --server.port/--server.address;
# docs/RELIABILITY.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "${YLT_WORKERS:-1}" -gt 1 ]; then
  exec .venv/bin/python scripts/serve.py --workers "$YLT_WORKERS" "$@"
fi
exec .venv/bin/python -m streamlit run app.py "$@"
