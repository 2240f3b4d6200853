#!/usr/bin/env bash
# Install (first time only) and start the app on the embedded Shanghai default: http://localhost:8501
# The first run installs Debian's Pango and CJK fonts (PDF reports) with apt-get, as root or through
# sudo (scripts/setup.sh says what to install when neither is there), and the Python packages into .venv.
# The app is always served through scripts/serve.py: Streamlit on a loopback port behind a small proxy
# that enforces the upload rules (signed-in planners only, bounded sizes; docs/RELIABILITY.md). It
# listens on this machine only (127.0.0.1); for a shared server: --server.address 0.0.0.0.
# Arguments go to serve.py and Streamlit: bash scripts/run_app.sh --server.port 8600 --server.maxUploadSize 300
# Several planners at once: YLT_WORKERS=2 bash scripts/run_app.sh (one Streamlit process per core
# behind one port).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python scripts/serve.py --workers "${YLT_WORKERS:-1}" "$@"
