"""The server in this process, for one command: the API on an ephemeral loopback port and one worker
thread, over a scratch data dir whose ``models`` (and saved custom voices) are the real data dir's.

Keys are off (loopback only), the job store is the scratch dir's own: a ``soundstage serve`` on the
same data dir neither sees these jobs nor has its jobs taken by this worker.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from soundstage.errors import ConfigError
from soundstage.settings import Settings

__all__ = ["embedded_server"]

LOOPBACK = "127.0.0.1"
START_SECONDS = 30.0
STOP_SECONDS = 10.0
SHARED = ("models", "voices.json")  # what the scratch dir borrows from the data dir


def _scratch(data_dir: Path, scratch: Path) -> Path:
    (data_dir / "models").mkdir(parents=True, exist_ok=True)  # models fetched now are kept for next time
    inner = scratch / "data"
    inner.mkdir()
    for name in SHARED:
        if (data_dir / name).exists():
            (inner / name).symlink_to((data_dir / name).resolve())
    return inner


@contextlib.contextmanager
def embedded_server(data_dir: Path, scratch: Path) -> Iterator[str]:
    """Yields the base URL; stops the worker (its job requeued) and the API on exit."""
    import uvicorn

    from soundstage.api.app import create_app
    from soundstage.jobs.worker import Worker
    from soundstage.services import build
    from soundstage.stopping import StopRequest

    settings = Settings.from_env(data_dir=_scratch(data_dir, scratch), host=LOOPBACK, auth=False, workers=1)
    services = build(settings)
    worker_id = f"embedded-{uuid.uuid4().hex[:8]}"
    worker = Worker(worker_id, services.store, services.registry, services.storage, services.fetcher,
                    services.app_env)
    stop, listener = StopRequest(signals=()), services.doorbell.listen(worker_id)
    sock = socket.socket()
    sock.bind((LOOPBACK, 0))
    server = uvicorn.Server(uvicorn.Config(create_app(services), log_level="warning", access_log=False))
    threads = [threading.Thread(target=worker.run_forever, args=(stop, listener), name="worker", daemon=True),
               threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="api", daemon=True)]
    for thread in threads:
        thread.start()
    try:
        _wait_started(server)
        yield f"http://{LOOPBACK}:{sock.getsockname()[1]}"
    finally:
        stop.request()
        server.should_exit = True
        for thread in threads:
            thread.join(STOP_SECONDS)
        with contextlib.suppress(Exception):  # best effort: the scratch store goes away with the dir
            worker.release()
        listener.close()
        services.close()


def _wait_started(server: object) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not getattr(server, "started", False):
        if time.monotonic() > deadline:
            raise ConfigError(f"the in-process server did not start within {START_SECONDS:.0f} s")
        time.sleep(0.02)
