"""The files origin, and the headers every file route answers with.

Without ``SOUNDSTAGE_FILES_URL`` files are served from the API's origin, with ``FILE_HEADERS`` (nosniff,
a script-less sandbox) on every route that takes or serves stored bytes. With it, a request is on the
files origin when it arrives on ``Settings.files_listen_port`` or names the files URL's host: there only
``/files/`` is served, every response with ``FILE_HEADERS``; on the API's origin a download redirects
there, so the API's origin never serves a user's bytes.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from soundstage.settings import Settings
from soundstage.storage.serving import FILE_HEADERS

__all__ = ["FILE_PREFIXES", "FileOrigin"]

FILE_PREFIXES = ("/files/", "/uploads/", "/cdn/", "/rest/storage/", "/voices/")
"""Routes that take or serve stored bytes: downloads, both upload protocols, voice previews."""
FILES_ORIGIN_PATHS = ("/files/", "/health")
DEFAULT_PORTS = {"http": 80, "https": 443}


def _netloc(url: str) -> str:
    """``host[:port]`` as a browser's Host header spells it (no default port), lower case."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host
    return host if parts.port in (None, DEFAULT_PORTS.get(parts.scheme)) else f"{host}:{parts.port}"


class FileOrigin:
    """ASGI middleware; runs after proxy mode has mapped the path, inside CORS."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.files_url = settings.files_url.rstrip("/")
        self.files_netloc = _netloc(self.files_url) if self.files_url else ""
        self.files_port = settings.files_listen_port

    def _on_files_origin(self, scope: Scope) -> bool:
        server = scope.get("server")
        if self.files_port and server is not None and server[1] == self.files_port:
            return True
        host = Headers(scope=scope).get("host", "").lower()
        for scheme, port in DEFAULT_PORTS.items():
            if scope.get("scheme") == scheme:
                host = host.removesuffix(f":{port}")
        return bool(self.files_netloc) and host == self.files_netloc

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if self._on_files_origin(scope):
            if not path.startswith(FILES_ORIGIN_PATHS):
                response = JSONResponse({"detail": "Not Found", "message": "Not Found"}, status_code=404,
                                        headers=FILE_HEADERS)
                await response(scope, receive, send)
                return
        elif self.files_url and path.startswith("/files/") and scope["method"] in {"GET", "HEAD"}:
            await self._redirect(scope)(scope, receive, send)
            return
        elif not path.startswith(FILE_PREFIXES):
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _with_file_headers(send))

    def _redirect(self, scope: Scope) -> RedirectResponse:
        """A download asked of the API's origin: the same path on the files origin."""
        target = self.files_url + scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        return RedirectResponse(target, status_code=307, headers=FILE_HEADERS)


def _with_file_headers(send: Send) -> Send:
    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in FILE_HEADERS.items():
                headers.setdefault(name, value)  # a download may have set a policy of its own
        await send(message)

    return sender
