"""Runs tests/js (node --test) against a real server: the unmodified @fal-ai/client under Node.js."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.server import TEST_KEY, Server

pytestmark = pytest.mark.slow

JS_DIR = Path(__file__).resolve().parents[1] / "js"


def test_official_js_client(server: Server) -> None:
    if shutil.which("node") is None or not (JS_DIR / "node_modules" / "@fal-ai" / "client").exists():
        pytest.fail("Node.js and tests/js/node_modules are required: run `npm ci --prefix tests/js`")
    env = {**os.environ, "SOUNDSTAGE_URL": server.url, "FAL_KEY": TEST_KEY}
    out = subprocess.run(["node", "--test", "--test-reporter=spec", "client.test.mjs"], cwd=JS_DIR, env=env,
                         check=False, capture_output=True, text=True, timeout=300)
    print(out.stdout[-4000:], out.stderr[-2000:])
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
