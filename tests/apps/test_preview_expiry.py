"""Issue 9: a voice preview never goes dead. Its file expires like any output while its job stays
succeeded; past the file TTL the preview is rendered again instead of redirecting to a 404."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from soundstage.audio.codecs import AudioFormat, probe
from tests.apps.conftest import models_cache
from tests.support.server import Server

pytestmark = pytest.mark.slow

TTL_SECONDS = 4.0  # the clock is moved past it by waiting: a whole server with a file TTL this short


@pytest.fixture(scope="module")
def short_ttl_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("previews") / "data"
    data.mkdir()
    (data / "models").symlink_to(models_cache(), target_is_directory=True)
    env = {"SOUNDSTAGE_SPEECH_THREADS": "2", "SOUNDSTAGE_FILE_TTL_SECONDS": str(TTL_SECONDS)}
    with Server(data, workers=1, env=env) as srv:
        yield srv


def _preview(server: Server) -> httpx.Response:
    return httpx.get(f"{server.url}/voices/af_heart/preview", timeout=180)


def test_issue9_preview_is_rendered_again_past_the_file_ttl(short_ttl_server: Server) -> None:
    first = _preview(short_ttl_server)
    assert first.status_code == 302
    audio = httpx.get(first.headers["location"])
    assert audio.status_code == 200 and probe(audio.content, AudioFormat.MP3).duration > 0.5
    time.sleep(TTL_SECONDS + 1.0)
    assert httpx.get(first.headers["location"]).status_code == 404  # the file really expired
    again = _preview(short_ttl_server)
    assert again.status_code == 302 and again.headers["location"] != first.headers["location"]
    assert _preview(short_ttl_server).headers["location"] == again.headers["location"]  # kept while alive
    renewed = httpx.get(again.headers["location"])
    assert renewed.status_code == 200 and probe(renewed.content, AudioFormat.MP3).duration > 0.5
