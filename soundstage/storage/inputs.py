"""Reading an input URL on behalf of one owner: our own file URLs from storage, the rest through the guard."""

from __future__ import annotations

from soundstage.errors import FetchFailed, NotFound
from soundstage.storage.base import Storage
from soundstage.storage.fetch import Fetched, Fetcher

__all__ = ["InputReader"]


class InputReader:
    def __init__(self, storage: Storage, fetcher: Fetcher, owner: str, base_urls: tuple[str, ...]) -> None:
        self.storage, self.fetcher, self.owner = storage, fetcher, owner
        self.prefixes = tuple(f"{b.rstrip('/')}/files/" for b in base_urls if b)

    def fetch(self, url: str, *, field: str, limit: int) -> Fetched:
        own = self._own(url, field, limit)
        return own if own is not None else self.fetcher.fetch(url, field=field, limit=limit)

    def _own(self, url: str, field: str, limit: int) -> Fetched | None:
        """Our own /files/ URLs: no loopback request, and only the owner's files."""
        prefix = next((p for p in self.prefixes if url.startswith(p)), None)
        if prefix is None:
            return None
        file_id = url[len(prefix):].split("/", 1)[0]
        try:
            meta = self.storage.stat(file_id)
        except NotFound:
            meta = None
        if meta is None or meta.owner != self.owner:
            raise FetchFailed(f"{field}: file not found: {url[:120]}", field=field, value=url[:200])
        if meta.size > limit:
            raise FetchFailed(f"{field}: file is {meta.size} bytes; the limit is {limit} bytes", field=field,
                              value=url[:200])
        return Fetched(self.storage.path(file_id).read_bytes(), meta.content_type, meta.file_name)
