"""A SQLite database shared by threads and processes: one connection per thread, WAL, IMMEDIATE writes.

A process's own writers take turns on a lock before SQLite's: a writer that finds the database locked sleeps
in SQLite's busy handler (1, 2, 5, ... 100 ms steps) however soon the lock is free, which under a burst of
submissions kept threads asleep long after their turn (issue 9). Other processes still wait in the handler.

Kept free of any domain knowledge: stores (jobs, keys) bring their own schema.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["Database"]

BUSY_TIMEOUT_MS = 30_000  # writers queue behind each other; a long wait means a stuck process


class Database:
    def __init__(self, path: Path, schema: str = "") -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._writing = threading.Lock()
        if schema:
            # Every statement is CREATE ... IF NOT EXISTS, so processes racing here agree.
            self._connection().executescript(schema)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=BUSY_TIMEOUT_MS / 1000)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode is durable against process crashes (kill -9); only an OS crash
            # can lose the last transactions, which is the trade every WAL server makes.
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def query(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> list[sqlite3.Row]:
        return self._connection().execute(sql, args).fetchall()

    def one(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> sqlite3.Row | None:
        return self._connection().execute(sql, args).fetchone()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken at BEGIN, so read-then-write sequences inside it are atomic."""
        conn = self._connection()
        with self._writing:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
