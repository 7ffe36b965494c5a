"""The composition root: the only place that picks backends (store, storage, apps) from Settings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from soundstage.apps.base import App, AppEnv
from soundstage.apps.registry import AppRegistry, load_registry
from soundstage.jobs.doorbell import Doorbell
from soundstage.jobs.sqlite import SQLiteJobStore
from soundstage.jobs.store import JobStore
from soundstage.keys import KeyStore
from soundstage.settings import Settings
from soundstage.signing import Signer
from soundstage.storage.fetch import Fetcher
from soundstage.storage.local import LocalStorage

__all__ = ["Services", "build", "builtin_apps"]


def builtin_apps() -> list[App]:
    """The apps soundstage ships."""
    from soundstage.apps.seed_audio.app import seed_audio_app

    return [seed_audio_app()]


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

    @property
    def app_env(self) -> AppEnv:
        return AppEnv(settings=self.settings)

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
    )
