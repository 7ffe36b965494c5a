"""File URLs, resolved when they are read.

A job's result is stored with file *references* (``soundstage://files/<id>/<name>``), not URLs: the
address a client reaches us at may change (a new proxy, a restart on another port, a files origin
added), and a stored URL would then point nowhere. Each read (result, ``/run``, webhook, stream event)
turns references into URLs on the files base URL in force at that moment.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

__all__ = ["FILE_REF", "file_ref", "file_url", "own_file_id", "resolve_refs", "resolve_text"]

FILE_REF = "soundstage://files/"


def file_ref(file_id: str, file_name: str) -> str:
    return f"{FILE_REF}{file_id}/{quote(file_name)}"


def file_url(base_url: str, file_id: str, file_name: str) -> str:
    return f"{base_url.rstrip('/')}/files/{file_id}/{quote(file_name)}"


def resolve_refs(value: Any, files_base: str) -> Any:
    """``value`` (JSON) with every file reference turned into a URL on ``files_base``."""
    if isinstance(value, str):
        return (f"{files_base.rstrip('/')}/files/{value[len(FILE_REF):]}" if value.startswith(FILE_REF)
                else value)
    if isinstance(value, dict):
        return {k: resolve_refs(v, files_base) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_refs(v, files_base) for v in value]
    return value


def resolve_text(text: str, files_base: str) -> str:
    """Free text (a log line) with every file reference in it turned into a URL on ``files_base``."""
    return text.replace(FILE_REF, f"{files_base.rstrip('/')}/files/") if FILE_REF in text else text


def own_file_id(url: str, base_urls: tuple[str, ...]) -> str | None:
    """The file id of a reference, or of a ``/files/`` URL on one of our base URLs; None for other URLs."""
    prefixes = (FILE_REF, *(f"{b.rstrip('/')}/files/" for b in base_urls if b))
    prefix = next((p for p in prefixes if url.startswith(p)), None)
    return None if prefix is None else url[len(prefix):].split("/", 1)[0]
