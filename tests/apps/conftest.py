"""A real server with the seed-audio app, its models taken from the persistent test cache."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import fal_client
import pytest

import soundstage.falclient
from soundstage.speech.assets import fetch_kokoro_assets
from tests.support.server import TEST_KEY, Server


def models_cache() -> Path:
    path = Path(os.environ.get("SOUNDSTAGE_TEST_MODELS_DIR")
                or Path.home() / ".cache" / "soundstage-test" / "models")
    path.mkdir(parents=True, exist_ok=True)
    fetch_kokoro_assets(path)  # through our own fetch code; a verified cache is kept as is
    return path


@pytest.fixture(scope="module")
def seed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("seed") / "data"
    data.mkdir()
    (data / "models").symlink_to(models_cache(), target_is_directory=True)
    with Server(data, workers=1, env={"SOUNDSTAGE_SPEECH_THREADS": "2"}) as srv:
        yield srv


@pytest.fixture(scope="module")
def seed_client(seed_server: Server) -> fal_client.SyncClient:
    soundstage.falclient.use_server(seed_server.url)
    return fal_client.SyncClient(key=TEST_KEY, default_timeout=300)
