"""API keys: created with the CLI, stored hashed, revocable; a fresh server makes its first key."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.server import Server


def soundstage(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "soundstage", *args, "--data-dir", str(data_dir)],
                          check=False, capture_output=True, text=True, timeout=60)


def test_create_list_revoke(tmp_path: Path) -> None:
    created = soundstage("keys", "create", "--name", "ci", data_dir=tmp_path)
    secret = created.stdout.strip()
    key_id = secret.split(":")[0]
    assert created.returncode == 0 and len(secret) > 40
    listed = soundstage("keys", "list", data_dir=tmp_path).stdout
    assert f"{key_id}\tactive\tci" in listed
    stored = sqlite3.connect(tmp_path / "soundstage.db").execute("SELECT digest FROM api_keys").fetchall()
    assert secret not in str(stored)  # only a digest is kept
    assert soundstage("keys", "revoke", key_id, data_dir=tmp_path).returncode == 0
    assert f"{key_id}\trevoked" in soundstage("keys", "list", data_dir=tmp_path).stdout
    assert soundstage("keys", "revoke", "nope", data_dir=tmp_path).returncode == 2


@pytest.mark.slow
def test_fresh_server_makes_a_first_key_and_revocation_takes_effect(tmp_path: Path) -> None:
    with Server(tmp_path / "data", workers=0, env={"SOUNDSTAGE_API_KEYS": ""}) as srv:
        secret = (tmp_path / "data" / "keys" / "first-key").read_text().strip()
        auth = {"Authorization": f"Key {secret}"}
        assert httpx.post(f"{srv.url}/queue/test/echo", json={"text": "a"}, headers=auth).status_code == 200
        soundstage("keys", "revoke", secret.split(":")[0], data_dir=tmp_path / "data")
        assert httpx.post(f"{srv.url}/queue/test/echo", json={"text": "a"}, headers=auth).status_code == 401
