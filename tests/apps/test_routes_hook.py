"""``App.routes``: an app adds routes to the API; the core's own routes win a clash (review item 5)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from soundstage.api.app import create_app
from soundstage.apps.base import App, AppEnv, Runner
from soundstage.services import build
from soundstage.settings import Settings


class Nothing(BaseModel):
    pass


async def hello(request: Request) -> Response:
    return PlainTextResponse("hello from the app")


def _load(env: AppEnv) -> Runner:
    raise AssertionError("never run here")


def test_app_routes_are_served_and_core_routes_win(tmp_path: Path) -> None:
    app = App(id="me/hello", title="Hello", input=Nothing, output=Nothing, load=_load,
              routes=(Route("/hello", hello), Route("/health", hello)))
    services = build(Settings.from_env(data_dir=tmp_path / "data"), apps=[app])
    try:
        with TestClient(create_app(services, deliver_webhooks=False)) as client:
            assert client.get("/hello").text == "hello from the app"
            assert client.get("/health").json()["status"] == "ok"
            assert client.get("/v1/models").status_code == 404  # the speech app is not in this registry
    finally:
        services.close()
