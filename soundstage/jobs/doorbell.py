"""Doorbell: wakes idle local workers the moment a job is queued, instead of polling tightly.

Each listening worker binds a Unix datagram socket in a shared directory; ringing sends one byte to
every socket there. It is only an optimisation: workers still poll the store, so a lost ring costs
at most one poll interval, and workers on other machines (PostgreSQL mode) rely on the store alone.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
from pathlib import Path
from typing import Protocol

__all__ = ["Bell", "Doorbell", "Listener", "Waiter"]

# AF_UNIX paths are limited to 108 bytes on Linux; a deep data dir falls back to polling alone.
MAX_SOCKET_PATH = 100


class Waiter(Protocol):
    def wait(self, timeout: float) -> bool:
        """Block until rung or ``timeout`` seconds pass; True if rung."""
        ...

    def close(self) -> None: ...


class Bell(Protocol):
    """Wakes idle workers when a job is queued: this Unix-socket doorbell on one machine, LISTEN/NOTIFY
    on PostgreSQL (``jobs.postgres.PgBell``)."""

    def ring(self) -> None: ...
    def listen(self, name: str) -> Waiter: ...


class Listener:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._sock: socket.socket | None = None
        if len(str(path)) <= MAX_SOCKET_PATH:
            path.unlink(missing_ok=True)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(str(path))
            sock.setblocking(False)
            self._sock = sock

    def wait(self, timeout: float) -> bool:
        """Block until rung or ``timeout`` seconds pass; True if rung."""
        if self._sock is None:
            select.select([], [], [], timeout)
            return False
        ready, _, _ = select.select([self._sock], [], [], timeout)
        if ready:
            with contextlib.suppress(BlockingIOError):
                while self._sock.recv(64):
                    pass
        return bool(ready)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self.path.unlink(missing_ok=True)


class Doorbell:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sender.setblocking(False)

    def listen(self, name: str) -> Listener:
        return Listener(self.directory / f"{name}.bell")

    def ring(self) -> None:
        for entry in os.scandir(self.directory):
            if not entry.name.endswith(".bell"):
                continue
            try:
                self._sender.sendto(b"!", entry.path)
            except (ConnectionRefusedError, FileNotFoundError):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)  # its worker is gone
            except (BlockingIOError, OSError):
                pass  # its buffer is full: it has been rung already
