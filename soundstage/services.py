"""The composition root: the only place that picks backends (store, storage, apps) from Settings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from soundstage.apps.base import App, AppEnv
from soundstage.apps.registry import AppRegistry, load_registry
from soundstage.jobs.doorbell import Doorbell
from soundstage.jobs.sqlite import SQLiteJobStore
from soundstage.jobs.store import JobStore
from soundstage.keys import KeyStore
from soundstage.settings import Settings
from soundstage.signing import Signer
from soundstage.storage.fetch import Fetcher
from soundstage.sound.lexicon import Lexicon
from soundstage.sound.registry import SoundRegistry
from soundstage.speech.engine import SpeechEngine
from soundstage.storage.local import LocalStorage

if TYPE_CHECKING:
    from soundstage.production.voice_match import VoiceMatcher
    from soundstage.video.renderer import VideoRenderer

__all__ = ["Engines", "Services", "build", "builtin_apps"]


def builtin_apps() -> list[App]:
    """The apps soundstage ships."""
    from soundstage.apps.seed_audio.app import seed_audio_app
    from soundstage.apps.seedance.app import seedance_apps
    from soundstage.apps.speech.app import speech_app

    return [seed_audio_app(), *seedance_apps(), speech_app()]


class Engines:
    """The worker's engines (a ``Toolkit``), each built on first use and then shared by every app."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @cached_property
    def _speech(self) -> SpeechEngine:
        from soundstage.speech.assets import models_dir
        from soundstage.speech.engine import EngineConfig, build_engine

        config = EngineConfig(models_dir=models_dir(self._settings.data_dir), threads=self._settings.speech_threads)
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


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: JobStore
    storage: LocalStorage
    registry: AppRegistry
    keys: KeyStore
    signer: Signer
    doorbell: Doorbell
    fetcher: Fetcher
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
    return Services(
        settings=settings,
        store=SQLiteJobStore(settings.database_path),
        storage=LocalStorage(settings.files_dir),
        registry=registry,
        keys=KeyStore(settings.database_path, settings.api_keys),
        signer=Signer(settings.data_dir / "keys" / "ed25519.pem"),
        doorbell=Doorbell(settings.run_dir),
        fetcher=Fetcher(allow_private=settings.allow_private_urls, timeout=settings.fetch_timeout_seconds,
                        allowed_hosts=frozenset(settings.allowed_hosts)),
        engines=Engines(settings),
    )
