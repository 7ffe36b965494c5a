from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import procs
from tests.support.recognizer import Recognizer
from tests.support.server import Server

pytest_plugins = ["tests.support.backends"]  # pg_server, pg_url, s3_endpoint, s3_bucket


@pytest.fixture(scope="session", autouse=True)
def no_process_outlives_the_run() -> Iterator[None]:
    """Issue 15: a soundstage process started by the tests and alive at the end fails the run."""
    yield from procs.owned_by_run()


@pytest.fixture(autouse=True)
def no_process_outlives_its_test() -> Iterator[None]:
    """Issue 15: what a test started and left running is stopped; having to SIGKILL it fails the test."""
    yield from procs.owned_by_test()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A strict server (auth on, private addresses refused) with the test apps and two workers."""
    with Server(tmp_path_factory.mktemp("server"), workers=2) as srv:
        yield srv


@pytest.fixture(scope="module")
def trusted_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Like ``server`` but allowed to reach loopback (webhook receivers and input hosts in tests)."""
    env = {"SOUNDSTAGE_ALLOW_PRIVATE_URLS": "true", "SOUNDSTAGE_WEBHOOK_BASE_DELAY_SECONDS": "0.2"}
    with Server(tmp_path_factory.mktemp("trusted"), workers=2, env=env) as srv:
        yield srv


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture(scope="session")
def recognizer() -> Recognizer:
    """Whisper base (faster-whisper, CPU int8), assembled once from its PyPI wheels:
    tests/support/recognizer.py."""
    return Recognizer()
