"""Stop requests from SIGTERM and SIGINT that cannot deadlock, however many arrive (issue 15).

A Python signal handler runs in the main thread between two bytecodes, possibly while that thread
holds a lock: inside ``threading.Event.set`` of the same handler one signal earlier, in logging, in
sqlite3. So the handler here only counts. ``signal.set_wakeup_fd`` makes the C-level handler also
write the signal's number to a socket the moment the signal lands, which

- wakes a ``select`` that includes the socket (PEP 475 would otherwise resume it silently), and
- lets other threads see the request while the main thread is still inside a long C call and has
  not run the Python handler yet.

The socket is drained only until a stop is seen; from then on it stays readable, so every later
``select`` on it returns at once.
"""

from __future__ import annotations

import contextlib
import select
import signal
import socket
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any, Self

__all__ = ["EXIT_STOP_OVERRUN", "STOP_SIGNALS", "StopRequest"]

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
EXIT_STOP_OVERRUN = 3  # the exit status of a process that cut its own stop short, having overrun it
_READ_BYTES = 4096  # one byte per signal: a read this size takes everything a burst leaves

Handler = Callable[[int, FrameType | None], Any] | int | None


class StopRequest:
    """Set by a stop signal or by ``request()``, and never cleared; safe to read from any thread."""

    def __init__(self, signals: tuple[signal.Signals, ...] = STOP_SIGNALS) -> None:
        self.signals = frozenset(int(s) for s in signals)
        self.received = 0
        """Handler runs so far (trails the wakeup socket while the main thread is in C code)."""
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._lock = threading.Lock()  # taken by threads reading the socket, never by the handler
        self._stopped = False
        self._previous: dict[int, Handler] = {}
        self._previous_fd: int | None = None

    def install(self) -> Self:
        """Route the stop signals here until ``uninstall`` (main thread only)."""
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        for sig in self.signals:
            self._previous[sig] = signal.signal(sig, self._on_signal)
        return self

    def uninstall(self) -> None:
        """Put back the handlers from before ``install``: a stop signal from here on acts as it did."""
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()
        if self._previous_fd is not None:
            signal.set_wakeup_fd(self._previous_fd)
            self._previous_fd = None

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.received += 1  # and nothing else: no lock, no I/O, no exception (see the module docstring)

    def request(self) -> None:
        """Stop as if signalled; for threads that find a reason to (the parent process is gone)."""
        with self._lock:
            self._stopped = True
            self._latch()

    def is_set(self) -> bool:
        if self._stopped or self.received:
            return True
        with self._lock:
            if not self._stopped:
                try:
                    data = self._reader.recv(_READ_BYTES)
                except BlockingIOError:
                    data = b""
                if self.signals.intersection(data):
                    self._stopped = True
                    self._latch()
            return self._stopped

    def _latch(self) -> None:
        with contextlib.suppress(BlockingIOError):  # full: it is readable already
            self._writer.send(b"\0")

    def fileno(self) -> int:
        """Readable once a stop is requested (and, spuriously, after other signals)."""
        return self._reader.fileno()

    def wait(self, timeout: float | None) -> bool:
        """Block until a stop is requested or ``timeout`` seconds pass; True if requested."""
        if not self.is_set():
            select.select([self], [], [], timeout)
        return self.is_set()

    def __enter__(self) -> Self:
        return self.install()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.uninstall()
