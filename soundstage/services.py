"""The composition root: the only place that picks backends (store, storage, apps) from Settings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from soundstage.apps.base import App, AppEnv
from soundstage.apps.registry import AppRegistry, load_registry
from soundstage.errors import ConfigError
from soundstage.jobs.aio import AsyncJobs, ChangeFeed, PollingFeed
from soundstage.jobs.doorbell import Bell, Doorbell
from soundstage.jobs.sqlite import SQLiteJobStore
from soundstage.jobs.store import JobStore
from soundstage.keys import Keys, KeyStore
from soundstage.settings import Settings
from soundstage.signing import Signer
from soundstage.sound.lexicon import Lexicon
from soundstage.sound.registry import SoundRegistry
from soundstage.speech.engine import SpeechEngine
from soundstage.storage.base import FileStore
from soundstage.storage.fetch import Fetcher
from soundstage.storage.local import LocalStorage

if TYPE_CHECKING:
    from soundstage.production.voice_match import VoiceMatcher
    from soundstage.script.writing import Writer
    from soundstage.video.renderer import VideoRenderer

__all__ = ["Backends", "Engines", "Services", "build", "build_writer", "builtin_apps", "open_backends",
           "open_storage"]


def builtin_apps() -> list[App]:
    """The apps soundstage ships."""
    from soundstage.apps.seed_audio.app import seed_audio_app
    from soundstage.apps.seedance.app import seedance_apps
    from soundstage.apps.speech.app import speech_app
    from soundstage.apps.video_to_audio.app import video_to_audio_app

    return [seed_audio_app(), *seedance_apps(), speech_app(), video_to_audio_app()]


class Engines:
    """The worker's engines (a ``Toolkit``), each built on first use and then shared by every app."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @cached_property
    def _speech(self) -> SpeechEngine:
        from soundstage.speech.assets import models_dir
        from soundstage.speech.engine import EngineConfig, build_engine

        config = EngineConfig(models_dir=models_dir(self._settings.data_dir),
                              threads=self._settings.speech_threads)
        return build_engine(self._settings.speech_engine, config)

    @cached_property
    def _sounds(self) -> SoundRegistry:
        from soundstage.sound.registry import build_registry

        return build_registry()

    @cached_property
    def _lexicon(self) -> Lexicon:
        from soundstage.sound.lexicon import build_lexicon

        return build_lexicon(self._sounds)

    @cached_property
    def _matcher(self) -> VoiceMatcher:
        from soundstage.production.voice_match import VoiceMatcher
        from soundstage.speech.assets import models_dir
        from soundstage.speech.embedding import load_speaker_encoder

        return VoiceMatcher(self._speech, load_speaker_encoder(),
                            models_dir(self._settings.data_dir) / "voice-embeddings.json")

    @cached_property
    def _writer(self) -> Writer:
        return build_writer(self._settings)

    @cached_property
    def _pictures(self) -> VideoRenderer:
        from soundstage.video.renderer import build_renderer

        return build_renderer(self._settings.video_renderer)

    def speech(self) -> SpeechEngine:
        return self._speech

    def matcher(self) -> VoiceMatcher:
        return self._matcher

    def pictures(self) -> VideoRenderer:
        return self._pictures

    def sounds(self) -> SoundRegistry:
        return self._sounds

    def lexicon(self) -> Lexicon:
        return self._lexicon

    def writer(self) -> Writer:
        return self._writer


WRITERS = ("auto", "embedded", "endpoint", "off")


def build_writer(settings: Settings) -> Writer:
    """``settings.writer``: ``auto`` is the endpoint when ``writer_url`` is set, else the embedded model;
    ``off`` is the offline director. The embedded model loads on its first instruction, not here."""
    from soundstage.script.embedded import EmbeddedConfig, EmbeddedWriter
    from soundstage.script.writer import WriterConfig
    from soundstage.script.writing import DirectorWriter, EndpointWriter
    from soundstage.speech.assets import models_dir

    choice = settings.writer.strip().lower()
    if choice not in WRITERS:
        raise ConfigError(f"SOUNDSTAGE_WRITER must be one of {', '.join(WRITERS)}, got {settings.writer!r}")
    if choice == "off":
        return DirectorWriter()
    if choice == "endpoint" or (choice == "auto" and settings.writer_url):
        if not settings.writer_url:
            raise ConfigError("SOUNDSTAGE_WRITER=endpoint needs SOUNDSTAGE_WRITER_URL (an OpenAI-compatible"
                              " API base)")
        return EndpointWriter(WriterConfig(settings.writer_url, settings.writer_model, settings.writer_key))
    local = Path(settings.writer_model_path) if settings.writer_model_path else None
    return EmbeddedWriter(EmbeddedConfig(models_dir(settings.data_dir), local, settings.writer_threads))


@dataclass(frozen=True)
class Backends:
    """The job store, its API keys and its wake-ups: one database (SQLite or PostgreSQL)."""

    store: JobStore
    keys: Keys
    doorbell: Bell
    feed: ChangeFeed


def _scale_extra(feature: str) -> ConfigError:
    return ConfigError(f"{feature} needs the scale-out extra: pip install 'soundstage[scale]'")


def open_backends(settings: Settings) -> Backends:
    """``settings.database``: empty for SQLite in the data dir, or a PostgreSQL URL (migrated here)."""
    if settings.database.startswith(("postgresql://", "postgres://")):
        try:
            from soundstage.jobs.aio import PgChangeFeed
            from soundstage.jobs.postgres import CHANGED_CHANNEL, PgBell, PostgresJobStore
            from soundstage.keys import KEYS_CHANNEL, PostgresKeyStore
            from soundstage.pgdb import PgDatabase
        except ImportError as e:
            raise _scale_extra("A PostgreSQL job store") from e

        db = PgDatabase(settings.database)
        db.upgrade()
        return Backends(PostgresJobStore(db), PostgresKeyStore(db, settings.api_keys), PgBell(db),
                        PgChangeFeed(settings.database, CHANGED_CHANNEL, KEYS_CHANNEL))
    if settings.database:
        raise ConfigError(f"SOUNDSTAGE_DATABASE must be a postgresql:// URL or empty (SQLite), got"
                          f" {settings.database.split('@')[-1]!r}")
    return Backends(SQLiteJobStore(settings.database_path),
                    KeyStore(settings.database_path, settings.api_keys), Doorbell(settings.run_dir),
                    PollingFeed())


def open_storage(settings: Settings) -> FileStore:
    """``settings.storage``: empty for the data dir, or ``s3://bucket/prefix``."""
    if settings.storage.startswith("s3://"):
        try:
            from soundstage.storage.s3 import S3Storage
        except ImportError as e:
            raise _scale_extra("S3 storage") from e

        return S3Storage(settings.storage, settings.s3_presign_seconds,
                         public_endpoint=settings.s3_public_endpoint)
    if settings.storage:
        raise ConfigError(f"SOUNDSTAGE_STORAGE must be s3://bucket/prefix or empty (local files), got"
                          f" {settings.storage!r}")
    return LocalStorage(settings.files_dir)


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: JobStore
    storage: FileStore
    registry: AppRegistry
    keys: Keys
    signer: Signer
    doorbell: Bell
    fetcher: Fetcher
    jobs: AsyncJobs
    """The store for the API's event loop: every handler goes through it."""
    engines: Engines = field(repr=False)

    @property
    def app_env(self) -> AppEnv:
        return AppEnv(settings=self.settings, toolkit=self.engines)

    def close(self) -> None:
        self.store.close()
        self.keys.close()


def build(settings: Settings, apps: Iterable[App] | None = None) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    registry = load_registry(settings.apps, builtin_apps() if apps is None else apps)
    backends = open_backends(settings)
    return Services(
        settings=settings,
        store=backends.store,
        storage=open_storage(settings),
        registry=registry,
        keys=backends.keys,
        signer=Signer(settings.data_dir / "keys" / "ed25519.pem"),
        doorbell=backends.doorbell,
        jobs=AsyncJobs(backends.store, backends.keys, backends.feed),
        fetcher=Fetcher(allow_private=settings.allow_private_urls, timeout=settings.fetch_timeout_seconds,
                        allowed_hosts=frozenset(settings.allowed_hosts)),
        engines=Engines(settings),
    )
