"""One exception tree for the whole package; the HTTP edge maps it to responses in one place.

Every error knows its HTTP status and a machine-readable ``error_type``. Messages name the
field, the value and the limit, so that a user can fix the request from the message alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "AlreadyCompleted",
    "AppFailed",
    "AssetError",
    "Cancelled",
    "ConfigError",
    "FetchFailed",
    "FieldError",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "SoundstageError",
    "StorageFull",
    "StorageUnavailable",
    "StoreUnavailable",
    "Unauthorized",
    "UnsafeURL",
]


class SoundstageError(Exception):
    """Base of every error we raise on purpose."""

    status: int = 500
    error_type: str = "internal_error"


@dataclass(frozen=True)
class FieldError:
    """One entry of a FastAPI-style 422 ``detail`` list."""

    loc: tuple[str | int, ...]
    msg: str
    type: str = "value_error"
    input: Any = None
    ctx: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"loc": list(self.loc), "msg": self.msg, "type": self.type}
        if self.input is not None:
            out["input"] = self.input
        if self.ctx:
            out["ctx"] = self.ctx
        return out


class InvalidInput(SoundstageError):
    """The request cannot be served as given (HTTP 422). Raised before a job is queued when possible."""

    status = 422
    error_type = "validation_error"

    def __init__(self, message: str, errors: tuple[FieldError, ...] = (), field: str | None = None,
                 value: Any = None) -> None:
        super().__init__(message)
        if not errors:
            loc: tuple[str | int, ...] = ("body", *field.split(".")) if field else ("body",)
            errors = (FieldError(loc=loc, msg=message, input=value),)
        self.errors = errors


class Unauthorized(SoundstageError):
    status = 401
    error_type = "unauthorized"


class NotFound(SoundstageError):
    """Also what another key's jobs and files look like: 404, never 403."""

    status = 404
    error_type = "not_found"


class AlreadyCompleted(SoundstageError):
    status = 400
    error_type = "already_completed"


class PayloadTooLarge(SoundstageError):
    status = 413
    error_type = "payload_too_large"


class UnsafeURL(InvalidInput):
    """A user URL that points at loopback, private, link-local or metadata addresses, or a bad scheme."""

    error_type = "unsafe_url"


class FetchFailed(InvalidInput):
    """A user URL could not be fetched (network error, non-2xx, over the size limit)."""

    error_type = "fetch_failed"


class Cancelled(SoundstageError):
    """Raised inside a job when its cancellation was requested."""

    status = 499
    error_type = "cancelled"

    def __init__(self, message: str = "Request cancelled") -> None:
        super().__init__(message)


class AppFailed(SoundstageError):
    """An app's run failed for a reason that is not the user's input."""

    status = 500
    error_type = "app_error"


class AssetError(SoundstageError):
    """A model asset could not be fetched or failed its checksum."""

    status = 503
    error_type = "asset_unavailable"


class ConfigError(SoundstageError):
    """Settings that cannot work together (e.g. no-auth on a public address without --force)."""

    status = 500
    error_type = "config_error"


class StoreUnavailable(SoundstageError):
    """The job store (a network database) cannot be reached; the request may be tried again."""

    status = 503
    error_type = "store_unavailable"


class StorageFull(SoundstageError):
    """The file store has no space left (issue 9): nothing partial was kept; the server keeps serving."""

    status = 507
    error_type = "storage_full"


class StorageUnavailable(SoundstageError):
    """The object store cannot be reached; nothing was stored, so no result points at a missing file."""

    status = 503
    error_type = "storage_unavailable"
