#!/usr/bin/env bash
# Installs everything the tests need (Python package with dev extras, the JS client) and runs them all.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[dev]'
npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
python3 -m pytest -q "$@"
