#!/usr/bin/env bash
# The whole test suite, from a fresh clone: sets up .venv (once), checks and tests the JS front end (type-checks it
# with tsc, lints it with ESLint, rebuilds the widget bundles and fails if they differ from the committed ones, runs
# vitest), lints and type-checks the package (ruff, mypy --strict), then runs pytest. Extra arguments go to
# pytest, e.g. `bash scripts/test.sh -k cache -x`. Leaves the clone clean (no tracked file changes).
#
# Settings (environment): PYTHON (the interpreter that makes the venv, default python3), VENV (default .venv),
# AGENTFORUM_EXTRAS (default "test,browser"), AGENTFORUM_SKIP_JS=1 (the JS checks ran elsewhere, e.g. CI's second
# Python), AGENTFORUM_REQUIRE_NODE=1 (fail instead of skipping the JS checks when npm is missing, as CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[${AGENTFORUM_EXTRAS:-test,browser}]"
if [ "${AGENTFORUM_SKIP_JS:-0}" = 1 ]; then
  echo "AGENTFORUM_SKIP_JS=1: the JS checks are skipped here"
elif [ -f js/package.json ] && command -v npm >/dev/null 2>&1; then
  (cd js && npm ci --no-audit --no-fund --loglevel=error && npm run --silent typecheck && npm run --silent lint \
    && npm run --silent build && npm test --silent)
  if git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --quiet -- agentforum_nb/static js/package-lock.json; then
    git --no-pager diff --stat -- agentforum_nb/static js/package-lock.json
    echo "The built widget bundle (or the lock file) differs from the committed one: run 'npm run build' in js/" \
         "and commit it." >&2
    exit 1
  fi
elif [ "${AGENTFORUM_REQUIRE_NODE:-0}" = 1 ]; then
  echo "AGENTFORUM_REQUIRE_NODE=1 but npm is not installed: the JS checks cannot run" >&2
  exit 1
else
  echo "npm not found: skipping the JS unit tests (the committed widget bundle is used)"
fi
"$VENV/bin/ruff" check agentforum_nb tests benchmarks
"$VENV/bin/ruff" format --check --quiet agentforum_nb tests benchmarks
"$VENV/bin/mypy"
exec "$VENV/bin/python" -m pytest "$@"
