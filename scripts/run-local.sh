#!/usr/bin/env bash
# Serves Engage on http://127.0.0.1:5000 with its scheduler beside it; Ctrl+C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export FLASK_APP=engage
trap 'kill 0' EXIT INT TERM
.venv/bin/flask scheduler &
echo "Engage: http://127.0.0.1:5000  (staff sign-in: http://127.0.0.1:5000/staff/sign-in)"
.venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}" --no-reload
