"""The playground: one page at ``GET /`` (no build step, no CDN), its two assets, and a key check.

The page is static; everything it shows comes from the public API (``/apps``, ``/voices``, the queue
and storage routes), with the key in the ``Authorization`` header only. Its policy allows scripts and
styles from this origin alone, no inline code, no framing; media and fetches may also reach the files
origin (``SOUNDSTAGE_FILES_URL``) where results are served.
"""

from __future__ import annotations

import contextlib
import functools
from importlib import resources
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from soundstage.api.edge import owner, services
from soundstage.errors import NotFound, Unauthorized
from soundstage.settings import Settings

__all__ = ["asset", "index", "page_headers", "session"]

ASSETS = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"}


@functools.cache
def _read(name: str) -> bytes:
    return resources.files("soundstage.api").joinpath("static", name).read_bytes()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def page_headers(settings: Settings) -> dict[str, str]:
    files = _origin(settings.files_url)
    connect = " ".join(filter(None, ["'self'", files]))
    policy = "; ".join([
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
        f"media-src {connect} blob:", f"connect-src {connect}", "form-action 'none'",
        "frame-ancestors 'none'", "base-uri 'none'",
    ])
    return {"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "Cache-Control": "no-cache"}


async def index(request: Request) -> Response:
    return Response(_read("index.html"), media_type="text/html; charset=utf-8",
                    headers=page_headers(services(request).settings))


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ASSETS:
        raise NotFound(f"no playground asset {name!r}")
    return Response(_read(name), media_type=ASSETS[name], headers=page_headers(services(request).settings))


def _key_accepted(request: Request) -> bool:
    with contextlib.suppress(Unauthorized):
        owner(request)
        return True
    return False


async def session(request: Request) -> Response:
    """Whether keys are required and whether the presented one is accepted; always 200, so that the
    page's first look (before a key is saved) logs no failed request."""
    auth = services(request).settings.auth
    return JSONResponse({"auth_required": auth, "key_accepted": _key_accepted(request)},
                        headers={"Cache-Control": "no-store"})
