"""API keys: created and revoked with ``soundstage keys``, stored as SHA-256 digests, never in clear.

Keys are 256-bit random tokens, so a fast digest is the right tool (a slow KDF protects low-entropy
passwords, not random keys). A key's id is its owner identity: jobs and files are scoped to it.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from soundstage.errors import NotFound
from soundstage.sqlitedb import Database

if TYPE_CHECKING:
    from soundstage.pgdb import PgDatabase

__all__ = ["KEYS_CHANNEL", "ApiKey", "KeyStore", "Keys", "PostgresKeyStore", "digest", "static_owner"]

KEYS_CHANNEL = "soundstage_keys"  # PostgreSQL: notified when a key is revoked

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  created_at REAL NOT NULL, revoked_at REAL
);
"""


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def static_owner(key: str) -> str:
    """Owner id of a key given in SOUNDSTAGE_API_KEYS: stable, and reveals nothing of the key."""
    return "static-" + digest(key)[:16]


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    created_at: float
    revoked_at: float | None


class Keys(Protocol):
    """API keys in the job store's database (SQLite or PostgreSQL). Only digests are stored."""

    def create(self, name: str = "") -> tuple[ApiKey, str]: ...
    def list(self) -> list[ApiKey]: ...
    def revoke(self, key_id: str) -> None: ...
    def owner_of(self, key: str) -> str | None: ...
    def count(self) -> int: ...
    def close(self) -> None: ...


def _new_secret() -> tuple[str, str]:
    key_id = secrets.token_hex(8)
    return key_id, f"{key_id}:{secrets.token_urlsafe(32)}"  # fal's 'id:secret' shape


class KeyStore:
    """Satisfies ``Keys`` on SQLite."""

    def __init__(self, path: Path, static_keys: tuple[str, ...] = ()) -> None:
        self.db = Database(path, SCHEMA)
        self._static = {digest(k): static_owner(k) for k in static_keys}

    def create(self, name: str = "") -> tuple[ApiKey, str]:
        """A new key; the secret is returned once and only its digest is kept."""
        key_id, secret = _new_secret()
        now = time.time()
        with self.db.write() as db:
            db.execute("INSERT INTO api_keys (id, digest, name, created_at) VALUES (?,?,?,?)",
                       (key_id, digest(secret), name, now))
        return ApiKey(key_id, name, now, None), secret

    def list(self) -> list[ApiKey]:
        rows = self.db.query("SELECT id, name, created_at, revoked_at FROM api_keys ORDER BY created_at")
        return [ApiKey(r["id"], r["name"], r["created_at"], r["revoked_at"]) for r in rows]

    def revoke(self, key_id: str) -> None:
        with self.db.write() as db:
            row = db.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"
                             " RETURNING id", (time.time(), key_id)).fetchone()
        if row is None:
            raise NotFound(f"No active key with id {key_id!r}")

    def owner_of(self, key: str) -> str | None:
        """The owner id for a presented key, or None if it is unknown or revoked."""
        d = digest(key)
        if d in self._static:
            return self._static[d]
        row = self.db.one("SELECT id FROM api_keys WHERE digest = ? AND revoked_at IS NULL", (d,))
        return None if row is None else str(row["id"])

    def count(self) -> int:
        row = self.db.one("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL")
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.db.close()


class PostgresKeyStore:
    """Satisfies ``Keys`` in the PostgreSQL job store's database (its table comes with the migrations)."""

    def __init__(self, db: PgDatabase, static_keys: tuple[str, ...] = ()) -> None:
        self.db = db
        self._static = {digest(k): static_owner(k) for k in static_keys}

    def create(self, name: str = "") -> tuple[ApiKey, str]:
        key_id, secret = _new_secret()
        now = time.time()
        self.db.query("INSERT INTO api_keys (id, digest, name, created_at) VALUES (%s, %s, %s, %s)"
                      " RETURNING id",
                      (key_id, digest(secret), name, now))
        return ApiKey(key_id, name, now, None), secret

    def list(self) -> list[ApiKey]:
        rows = self.db.query("SELECT id, name, created_at, revoked_at FROM api_keys ORDER BY created_at")
        return [ApiKey(r["id"], r["name"], r["created_at"], r["revoked_at"]) for r in rows]

    def revoke(self, key_id: str) -> None:
        # The notification clears every API process's key cache (jobs.aio).
        rows = self.db.query("UPDATE api_keys SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL"
                             f" RETURNING id, pg_notify('{KEYS_CHANNEL}', '') AS notified",
                             (time.time(), key_id))
        if not rows:
            raise NotFound(f"No active key with id {key_id!r}")

    def owner_of(self, key: str) -> str | None:
        d = digest(key)
        if d in self._static:
            return self._static[d]
        row = self.db.one("SELECT id FROM api_keys WHERE digest = %s AND revoked_at IS NULL", (d,))
        return None if row is None else str(row["id"])

    def count(self) -> int:
        row = self.db.one("SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL")
        return int(row["n"]) if row else 0

    def close(self) -> None:
        """The database is the job store's; it closes it."""
