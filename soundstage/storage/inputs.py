"""Reading an input URL on behalf of one owner: our own files from storage, the rest through the guard."""

from __future__ import annotations

from soundstage.errors import FetchFailed, NotFound
from soundstage.storage.base import Storage
from soundstage.storage.fetch import Fetched, Fetcher
from soundstage.storage.urls import own_file_id

__all__ = ["InputReader"]


class InputReader:
    def __init__(self, storage: Storage, fetcher: Fetcher, owner: str, base_urls: tuple[str, ...]) -> None:
        self.storage, self.fetcher, self.owner = storage, fetcher, owner
        self.base_urls = base_urls

    def fetch(self, url: str, *, field: str, limit: int) -> Fetched:
        own = self._own(url, field, limit)
        return own if own is not None else self.fetcher.fetch(url, field=field, limit=limit)

    def _own(self, url: str, field: str, limit: int) -> Fetched | None:
        """File references and our own /files/ URLs: read from storage (no request to the API, which a
        worker on another machine may not reach), and only the owner's files."""
        file_id = own_file_id(url, self.base_urls)
        if file_id is None:
            return None
        try:
            meta = self.storage.stat(file_id)
        except NotFound:
            meta = None
        if meta is None or meta.owner != self.owner:
            raise FetchFailed(f"{field}: file not found: {url[:120]}", field=field, value=url[:200])
        if meta.size > limit:
            raise FetchFailed(f"{field}: file is {meta.size} bytes; the limit is {limit} bytes", field=field,
                              value=url[:200])
        return Fetched(self.storage.read(file_id), meta.content_type, meta.file_name)
