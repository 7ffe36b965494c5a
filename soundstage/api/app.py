"""The ASGI application: routes under fixed prefixes, one exception-handler table, CORS, proxy mode."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from soundstage.api import files, meta, ops, page, queue, run
from soundstage.api.auth import KeyPrefetch
from soundstage.api.origins import FileOrigin
from soundstage.api.proxy import ProxyTargetMiddleware
from soundstage.api.webhooks import Deliverer
from soundstage.errors import AlreadyCompleted, InvalidInput, SoundstageError
from soundstage.services import Services

__all__ = ["create_app"]

log = logging.getLogger("soundstage.api")

REQ = "/{root:path}/requests/{request_id}"
JANITOR_SECONDS = 600.0
EXPOSED = ["x-fal-request-id", "x-fal-error-type", "etag", "content-range", "accept-ranges", "content-length"]


def _error_response(exc: SoundstageError) -> Response:
    headers = {"x-fal-error-type": exc.error_type}
    if isinstance(exc, AlreadyCompleted):
        body: dict[str, Any] = {"status": "ALREADY_COMPLETED", "detail": str(exc)}
    elif isinstance(exc, InvalidInput):
        body = {"detail": [e.to_json() for e in exc.errors], "message": str(exc),
                "error_type": exc.error_type}
    else:
        body = {"detail": str(exc), "message": str(exc), "error_type": exc.error_type}
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Key"
    return JSONResponse(body, status_code=exc.status, headers=headers)


async def _on_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SoundstageError)
    return _error_response(exc)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"detail": exc.detail, "message": exc.detail}, status_code=exc.status_code,
                        headers=exc.headers)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse({"detail": "Internal server error", "message": "Internal server error",
                         "error_type": "internal_error"}, status_code=500)


def routes() -> list[Route]:
    return [
        Route("/", page.index),
        Route("/playground/session", page.session),
        Route("/playground/{name}", page.asset),
        Route("/health", meta.health),
        Route("/ready", ops.ready),
        Route("/metrics", ops.metrics),
        Route("/apps", meta.list_apps),
        Route("/apps/{app_id:path}/openapi.json", meta.app_openapi),
        Route("/.well-known/jwks.json", meta.jwks),
        Route("/rest/.well-known/jwks.json", meta.jwks),
        Route("/rest/tokens/", meta.mint_token, methods=["POST"]),
        Route("/rest/tokens", meta.mint_token, methods=["POST"]),
        Route("/rest/storage/upload/initiate", files.initiate, methods=["POST"]),
        Route("/rest/storage/upload/initiate-multipart", files.initiate_multipart, methods=["POST"]),
        Route("/rest/storage/auth/token", files.cdn_token, methods=["POST"]),
        Route("/uploads/{upload_id}", files.put_upload, methods=["PUT"]),
        Route("/uploads/{upload_id}/complete", files.complete_upload, methods=["POST"]),
        Route("/uploads/{upload_id}/{number:int}", files.put_part, methods=["PUT"]),
        Route("/cdn/files/upload", files.cdn_upload, methods=["POST"]),
        Route("/cdn/files/upload/multipart", files.cdn_multipart_begin, methods=["POST"]),
        Route("/files/{file_id}/{name}/multipart/{upload_id}/complete", files.cdn_complete, methods=["POST"]),
        Route("/files/{file_id}/{name}/multipart/{upload_id}/{number:int}", files.cdn_put_part,
              methods=["PUT"]),
        Route("/files/{file_id}/{name:path}", files.download, methods=["GET", "HEAD"]),
        Route(f"/queue{REQ}/status/stream", queue.status_stream),
        Route(f"/queue{REQ}/status", queue.status),
        Route(f"/queue{REQ}/cancel", queue.cancel, methods=["PUT"]),
        Route(f"/queue{REQ}", queue.result),
        Route("/queue/{endpoint:path}", queue.submit, methods=["POST"]),
        Route("/run/{endpoint:path}", run.run, methods=["POST", "GET"]),
    ]


async def _janitor(services: Services, stop: asyncio.Event) -> None:
    """Removes expired files and abandoned uploads, now and then."""
    while not stop.is_set():
        try:
            removed = await services.jobs.run(services.storage.purge_expired)
        except SoundstageError as e:  # the object store is away: try again next round
            log.warning("janitor: %s", e)
            removed = 0
        if removed:
            log.info("removed %d expired file(s) or upload(s)", removed)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), JANITOR_SECONDS)


def create_app(services: Services, deliver_webhooks: bool = True) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        await services.jobs.start()
        tasks = [asyncio.create_task(_janitor(services, stop))]
        if deliver_webhooks:
            tasks.append(asyncio.create_task(
                Deliverer(services.jobs, services.signer, services.settings).run(stop)))
        yield
        stop.set()
        await asyncio.gather(*tasks)
        await services.jobs.stop()

    app = Starlette(
        routes=[*routes(), *(route for each in services.registry for route in each.routes)],
        middleware=[
            Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"],
                       expose_headers=EXPOSED, max_age=600),
            Middleware(ProxyTargetMiddleware),
            Middleware(FileOrigin, settings=services.settings),
            Middleware(KeyPrefetch, jobs=services.jobs),
        ],
        exception_handlers={SoundstageError: _on_error, HTTPException: _on_http, Exception: _on_unexpected},
        lifespan=lifespan,
    )
    app.state.services = services
    return app
