"""Session fixtures for the scale-out backends: a PostgreSQL server and an S3-compatible server (moto).

Each is taken from the environment when CI started one (``SOUNDSTAGE_TEST_DATABASE_URL``,
``SOUNDSTAGE_TEST_S3_ENDPOINT``), else started here for the session. Missing software skips the tests
on a developer's machine and fails them in CI, where ``.ci/run`` must have installed it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.pg import PgCluster, fresh_database, pg_bin
from tests.support.s3 import MotoServer, fresh_bucket

__all__ = ["pg_server", "pg_url", "s3_bucket", "s3_endpoint"]


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing: .ci/run installs it")
    pytest.skip(f"{what} is not installed here")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database."""
    given = os.environ.get("SOUNDSTAGE_TEST_DATABASE_URL")
    if given:
        yield given
        return
    if pg_bin() is None:
        _missing("PostgreSQL (Debian package postgresql)")
    cluster = PgCluster().start()
    try:
        yield cluster.url
    finally:
        cluster.cleanup()


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """A fresh, empty database for one test."""
    return fresh_database(pg_server)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """Endpoint URL of an S3-compatible server (moto in server mode: a stand-in for S3/MinIO in tests)."""
    given = os.environ.get("SOUNDSTAGE_TEST_S3_ENDPOINT")
    if given:
        yield given
        return
    if not MotoServer.available():
        _missing("moto[server]")
    server = MotoServer().start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A fresh, empty bucket on ``s3_endpoint``."""
    return fresh_bucket(s3_endpoint)
