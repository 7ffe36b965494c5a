"""The API side of an app's submit-time check (``App.admit``)."""

from __future__ import annotations

from soundstage.services import Services
from soundstage.settings import Settings
from soundstage.storage.inputs import InputReader
from soundstage.storage.urls import file_ref

__all__ = ["SubmitAdmission"]


class SubmitAdmission:
    """Satisfies ``apps.base.Admission`` for one owner's submission."""

    def __init__(self, services: Services, owner: str, base_url: str) -> None:
        self.settings: Settings = services.settings
        self._services, self._owner, self._base_url = services, owner, base_url
        self._inputs = InputReader(services.storage, services.fetcher, owner,
                                   (base_url, services.settings.public_url, services.settings.files_url))

    def fetch(self, url: str, *, field: str, limit: int) -> tuple[bytes, str]:
        fetched = self._inputs.fetch(url, field=field, limit=limit)
        return fetched.data, fetched.content_type

    def keep(self, data: bytes, *, file_name: str, content_type: str) -> str:
        stored = self._services.storage.put(data, owner=self._owner, file_name=file_name,
                                            content_type=content_type,
                                            ttl_seconds=self._services.settings.file_ttl_seconds)
        return file_ref(stored.id, stored.file_name)  # the worker reads it from storage, wherever it runs
