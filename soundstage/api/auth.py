"""Key lookups off the event loop: the presented key is resolved once per request through the async
facade, before routing, and ``edge.owner`` reads the answer."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from soundstage.api.edge import KEY_OWNER
from soundstage.errors import StoreUnavailable
from soundstage.jobs.aio import AsyncJobs

__all__ = ["KeyPrefetch"]


class KeyPrefetch:
    """ASGI middleware. A store that is down is left for the handler to report (a 503 in its table)."""

    def __init__(self, app: ASGIApp, jobs: AsyncJobs) -> None:
        self.app, self.jobs = app, jobs

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scheme, _, credential = Headers(scope=scope).get("authorization", "").partition(" ")
            credential = credential.strip()
            if scheme.lower() in {"key", "bearer"} and credential:
                try:
                    scope.setdefault("state", {})[KEY_OWNER] = (credential,
                                                                await self.jobs.owner_of(credential))
                except StoreUnavailable:
                    pass
        await self.app(scope, receive, send)
