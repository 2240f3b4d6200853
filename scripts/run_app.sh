#!/usr/bin/env bash
# Install (first time only) and start the app on the embedded Shanghai default: http://localhost:8501
# Several planners at once: YLT_WORKERS=2 bash scripts/run_app.sh (one Streamlit process per core
# behind one port, scripts/serve.py; docs/RELIABILITY.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "${YLT_WORKERS:-1}" -gt 1 ]; then
  exec .venv/bin/python scripts/serve.py --workers "$YLT_WORKERS" "$@"
fi
exec .venv/bin/python -m streamlit run app.py "$@"
