#!/usr/bin/env bash
# The whole test suite, from a fresh clone: sets up .venv (once), checks and tests the JS front end
# (rebuilds the widget bundle and fails if it differs from the committed one), then runs pytest.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k cache -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test,browser]"
if [ -f js/package.json ] && command -v npm >/dev/null 2>&1; then
  # `npm ci` rejects this lock file under npm 11 (optional platform packages of rollup); install from it instead
  (cd js && npm install --no-audit --no-fund --loglevel=error && npm run --silent build && npm test --silent)
  if git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --quiet -- agentforum_nb/static; then
    git --no-pager diff --stat -- agentforum_nb/static
    echo "The built widget bundle differs from the committed one: run 'npm run build' in js/ and commit it." >&2
    exit 1
  fi
else
  echo "npm not found: skipping the JS unit tests (the committed widget bundle is used)"
fi
exec .venv/bin/python -m pytest "$@"
