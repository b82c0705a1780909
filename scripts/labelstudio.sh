#!/usr/bin/env bash
# Operator entry point for the local Label Studio server and the corpus round trip.
#
#   scripts/labelstudio.sh start     # installs what is missing, then serves 127.0.0.1:${LABEL_STUDIO_PORT:-8080}
#   scripts/labelstudio.sh push      # the corpus as project "${LABEL_STUDIO_PROJECT:-Summit corpus}"
#   scripts/labelstudio.sh pull      # the annotators' work back into annotations/ (checked, atomic)
#   scripts/labelstudio.sh status    # exit 0 when it answers
#   scripts/labelstudio.sh stop
#   scripts/labelstudio.sh install   # only install label-studio 1.23.2 into .venv-labelstudio (~1 GB)
#
# Extra arguments go to the command (e.g. `start --port 8090`, `push --as-predictions`).
# Environment: LABEL_STUDIO_PORT, LABEL_STUDIO_DATA_DIR (default .labelstudio/), LABEL_STUDIO_VENV,
# LABEL_STUDIO_PROJECT; for PostgreSQL instead of SQLite DJANGO_DB=default with POSTGRE_NAME,
# POSTGRE_USER, POSTGRE_PASSWORD, POSTGRE_HOST, POSTGRE_PORT. The API token is written, mode 0600,
# to ${XDG_STATE_HOME:-~/.local/state}/corpus-pkg/labelstudio/PORT.token (never printed) and read
# from there by push/pull when LABEL_STUDIO_API_KEY is not set; the admin password lies beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
# Progress goes to stderr, one line per step, so a first start (minutes) never looks stuck.
step() { printf '==> %s\n' "$*" >&2; }
if [ ! -x .venv/bin/python ]; then
  step "creating .venv and installing corpus-pkg into it (once; about a minute)"
  "${PYTHON:-python3}" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e .
  step "corpus-pkg installed"
fi
PY=.venv/bin/python
PROJECT="${LABEL_STUDIO_PROJECT:-Summit corpus}"
case "${1:-}" in
  start)
    shift
    step "[1/2] checking Label Studio 1.23.2 in ${LABEL_STUDIO_VENV:-.venv-labelstudio} (installs it if missing: about 1 GB, 1 to 2 minutes)"
    "$PY" -m corpus_pkg labelstudio server install
    step "[2/2] starting Label Studio on 127.0.0.1:${LABEL_STUDIO_PORT:-8080} and waiting until it answers (first start runs its migrations: 30 to 45 s)"
    exec "$PY" -m corpus_pkg labelstudio server start "$@" ;;
  install|stop|status) cmd="$1"; shift; exec "$PY" -m corpus_pkg labelstudio server "$cmd" "$@" ;;
  push|pull|agreement) cmd="$1"; shift; exec "$PY" -m corpus_pkg labelstudio "$cmd" --project "$PROJECT" "$@" ;;
  *) echo "usage: $0 start|push|pull|agreement|status|stop|install [options]" >&2; exit 2 ;;
esac
