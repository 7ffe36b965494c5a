"""Settings: one frozen object built once (from flags and SOUNDSTAGE_* variables) and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["LOOPBACK_HOSTS", "Settings"]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
ENV_PREFIX = "SOUNDSTAGE_"


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    """Where the job store, files, keys and model assets live."""
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""
    """Base URL that clients reach us at (used in file and status URLs); empty: taken from each request."""
    files_url: str = ""
    """Base URL of file URLs, an origin apart from the API's (recommended in production); empty: the API's."""
    files_port: int = 0
    """Also listen on this port (same address) for file URLs only; 0: ``files_url``'s port if it names this
    host."""
    api_keys: tuple[str, ...] = ()
    """Static keys for automation, in addition to the keys created with ``soundstage keys create``."""
    auth: bool = True
    """API keys are required unless this is False (local development only)."""
    force: bool = False
    """Allow no-auth on a non-loopback address."""
    workers: int = 1
    """Local worker processes next to the API (0: an API only, workers run elsewhere)."""
    database: str = ""
    """The job store and API keys: empty for SQLite in ``data_dir``, or a ``postgresql://`` URL shared by
    an API tier and workers on other machines."""
    storage: str = ""
    """Files: empty for ``data_dir/files``, or ``s3://bucket/prefix`` on any S3-compatible store, with
    credentials and endpoint from the standard AWS variables (``AWS_ENDPOINT_URL``, ...)."""
    s3_presign_seconds: float = 3600.0
    """Lifetime of the presigned URL a download is redirected to (never past the file's own expiry)."""
    s3_public_endpoint: str = ""
    """Where clients reach the object store, when not at ``AWS_ENDPOINT_URL`` (e.g. MinIO inside compose):
    presigned download URLs are signed for this endpoint."""
    apps: tuple[str, ...] = ()
    """Extra app providers as ``module:attribute`` (an App, a list of Apps, or a function returning them)."""
    lease_seconds: float = 15.0
    """A running job whose worker stops renewing its lease for this long is run again."""
    max_attempts: int = 3
    """A job whose worker died this many times fails instead of crashing workers forever."""
    file_ttl_seconds: float = 7 * 24 * 3600.0
    """How long download URLs of outputs and uploads stay valid by default."""
    max_upload_bytes: int = 1 << 30
    max_fetch_bytes: int = 100 << 20
    """Largest input file fetched from a user URL; apps may set lower limits per field."""
    fetch_timeout_seconds: float = 30.0
    allow_private_urls: bool = False
    """Let user URLs and webhooks reach loopback/private addresses (tests and trusted networks only)."""
    allowed_hosts: tuple[str, ...] = ()
    """Host names that user URLs and webhooks may reach although they are private (your own services)."""
    webhook_base_delay_seconds: float = 14.0
    """Retry n waits base * 2**n: 10 tries span about two hours with the default."""
    webhook_attempts: int = 10
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_self_signed: bool = False
    log_level: str = "info"
    speech_engine: str = "kokoro"
    """The speech engine every app of a worker shares (``kokoro``, ``espeak``, or an installed plug-in)."""
    speech_threads: int = 2
    """onnxruntime threads of the speech engine, per worker process."""
    video_renderer: str = "animatic"
    """What draws the picture of the video endpoints (``animatic`` offline; plug-ins by entry point)."""
    writer: str = "auto"
    """Who writes the script of an instruction prompt: ``embedded`` (a small model in the worker, fetched on
    first need), ``endpoint`` (``writer_url``), ``off`` (the offline director: no new dialogue), or ``auto``:
    the endpoint when ``writer_url`` is set, else embedded."""
    writer_url: str = ""
    """An OpenAI-compatible chat API base (``http://host:8080/v1``) that writes scripts and describes
    images."""
    writer_model: str = "default"
    """The model name sent to ``writer_url``."""
    writer_key: str = ""
    """The bearer key sent to ``writer_url``."""
    writer_threads: int = 1
    """CPU threads of the embedded writer, per worker (one leaves a core for speech on a 2-core machine)."""
    writer_model_path: str = ""
    """A local GGUF model for the embedded writer instead of the registry's Qwen2.5-Coder-1.5B-Instruct."""
    extra: Mapping[str, str] = field(default_factory=dict)
    """Unrecognised SOUNDSTAGE_* variables, kept for plug-in apps."""

    @property
    def loopback(self) -> bool:
        return self.host in LOOPBACK_HOSTS or self.host.startswith("127.")

    @property
    def files_listen_port(self) -> int:
        """The extra port this process serves file URLs on, or 0 (a proxy or another host serves them)."""
        if self.files_port or not self.files_url:
            return self.files_port
        parts = urlsplit(self.files_url)
        ours = parts.hostname in LOOPBACK_HOSTS or parts.hostname == self.host
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return port if ours and port != self.port else 0

    @property
    def database_path(self) -> Path:
        return self.data_dir / "soundstage.db"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def run_dir(self) -> Path:
        return self.data_dir / "run"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Environment first, then explicit overrides (flags given on the command line)."""
        env = os.environ if env is None else env
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        extra: dict[str, str] = {}
        for key, raw in env.items():
            if not key.startswith(ENV_PREFIX):
                continue
            name = key[len(ENV_PREFIX):].lower()
            if name in known and name != "extra":
                values[name] = _coerce(cls, name, raw)
            else:
                extra[name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(extra=extra, **values)

    def to_env(self) -> dict[str, str]:
        """The inverse of ``from_env``: how a child process (a worker) gets the same settings."""
        out = {f"{ENV_PREFIX}{k.upper()}": v for k, v in self.extra.items()}
        for f in fields(self):
            if f.name == "extra":
                continue
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, tuple):
                value = ",".join(value)
            out[f"{ENV_PREFIX}{f.name.upper()}"] = str(value)
        return out


_DEFAULTS = Settings()


def _coerce(cls: type[Settings], name: str, raw: str) -> Any:
    default = getattr(_DEFAULTS, name)
    if name in {"tls_cert", "tls_key"}:
        return Path(raw) if raw else None
    if isinstance(default, bool):
        return _truthy(raw)
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, Path):
        return Path(raw)
    if isinstance(default, tuple):
        return _split(raw)
    return raw
