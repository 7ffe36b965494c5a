"""Proxy mode: ``@fal-ai/client``'s ``proxyUrl`` sends everything to one URL with ``x-fal-target-url``.

The middleware maps the target onto our own route prefixes before routing, so proxy requests are
served by the same handlers (and the same auth) as direct ones.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["PROXY_PATHS", "ProxyTargetMiddleware", "map_target"]

PROXY_PATHS = frozenset({"/fal/proxy", "/api/fal/proxy"})
HOST_PREFIXES = {"queue.fal.run": "/queue", "fal.run": "/run", "rest.fal.ai": "/rest", "v3.fal.media": "/cdn"}
HEADER = b"x-fal-target-url"


def map_target(target: str) -> tuple[str, str] | None:
    """(path, query) on this server for a fal URL, or None for a host we do not serve."""
    parts = urlsplit(target)
    prefix = HOST_PREFIXES.get(parts.hostname or "")
    if prefix is None:
        return None
    return prefix + (parts.path or "/"), parts.query


class ProxyTargetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in PROXY_PATHS:
            target = dict(scope["headers"]).get(HEADER)
            mapped = map_target(target.decode("latin-1")) if target else None
            if mapped is not None:
                path, query = mapped
                scope = {**scope, "path": path, "raw_path": path.encode(), "query_string": query.encode()}
        await self.app(scope, receive, send)
