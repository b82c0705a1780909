#!/usr/bin/env bash
# Main job: install the package into .venv, then load every dataset config,
# validate the corpus and print its summary. Usage: bash scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet .
# Run from outside the source tree so the installed package (and its shipped data) is what runs.
cd /tmp && HF_HUB_OFFLINE=1 "$OLDPWD/.venv/bin/corpus" summarize
