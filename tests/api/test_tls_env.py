"""fal-client redirected with environment variables only (https-only), trusting our self-signed CA."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.server import TEST_KEY, Server

pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent("""
    import fal_client
    result = fal_client.subscribe("test/echo", arguments={"text": "over tls"}, with_logs=True)
    print(result["text"])
""")


def test_env_var_redirection_over_self_signed_tls(tmp_path: Path) -> None:
    with Server(tmp_path / "data", workers=1, args=("--tls-self-signed",), scheme="https") as srv:
        host = f"127.0.0.1:{srv.port}"
        env = {**os.environ, "FAL_KEY": TEST_KEY, "FAL_RUN_HOST": f"{host}/run",
               "FAL_QUEUE_RUN_HOST": f"{host}/queue",
               "SSL_CERT_FILE": str(tmp_path / "data" / "tls" / "ca.pem")}
        out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, check=False, capture_output=True,
                             text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "over tls"
