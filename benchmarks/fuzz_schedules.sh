#!/usr/bin/env bash
# The long fuzz run of random schedules (tests/test_schedules.py with thousands of examples); CI runs 300.
# Usage: bash benchmarks/fuzz_schedules.sh [examples]   (default 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
AGENTFORUM_FUZZ_EXAMPLES="${1:-5000}" exec .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_schedules.py
