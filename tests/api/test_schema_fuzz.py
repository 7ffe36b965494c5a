"""Issue 9: the whole API fuzzed from its OpenAPI documents (schemathesis): no 5xx, every 4xx a JSON detail.

Every app's document (submit, status, result, cancel) plus a document written here for the routes no
app describes (uploads, files, apps, voices), each with and without a key; requests are generated from
the schemas (valid and invalid), bounded by ``EXAMPLES`` per operation and ``BUDGET_SECONDS`` in all.
A longer run: ``SOUNDSTAGE_FUZZ_EXAMPLES=500 pytest tests/api/test_schema_fuzz.py`` (bench figures).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.support.server import TEST_KEY, Server

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("SOUNDSTAGE_FUZZ_EXAMPLES", "8"))
BUDGET_SECONDS = float(os.environ.get("SOUNDSTAGE_FUZZ_BUDGET", "50"))
OTHER_ROUTES = {
    "openapi": "3.0.4", "info": {"title": "soundstage routes without an app document", "version": "1"},
    "paths": {
        "/rest/storage/upload/initiate": {"post": {"requestBody": {"required": True, "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "file_name": {"type": "string"}, "content_type": {"type": "string"}}}}}},
            "responses": {"200": {"description": "ok"}}}},
        "/files/{file_id}/{name}": {"get": {"parameters": [
            {"name": "file_id", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "Range", "in": "header", "required": False, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok"}}}},
        "/apps/{app_id}/openapi.json": {"get": {"parameters": [
            {"name": "app_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok"}}}},
        "/queue/{owner}/{alias}/requests/{request_id}/status": {"get": {"parameters": [
            {"name": "owner", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "alias", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "request_id", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "logs", "in": "query", "required": False, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok"}}}},
        "/voices/{voice_id}": {"get": {"parameters": [
            {"name": "voice_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok"}}}},
    },
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The API alone (no workers): the fuzz is about the edge, and valid jobs then just wait in the queue."""
    with Server(tmp_path_factory.mktemp("fuzz"), workers=0) as srv:
        yield srv


def _documents(server: Server) -> list[tuple[str, dict]]:
    apps = httpx.get(f"{server.url}/apps", headers={"Authorization": f"Key {TEST_KEY}"}).json()["apps"]
    docs = [(a["id"], httpx.get(f"{server.url}/apps/{a['id']}/openapi.json").json()) for a in apps]
    return [*docs, ("routes", {**OTHER_ROUTES, "servers": [{"url": server.url}]})]


def _check(response: httpx.Response, label: str) -> None:
    assert response.status_code < 500, f"{label}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        body = response.json()  # a 4xx is JSON ...
        assert "detail" in body, f"{label}: {response.status_code} without detail: {response.text[:300]}"


def _fuzz(client: httpx.Client, operation: schemathesis.APIOperation, label: str, base: str,
          headers: dict[str, str], seen: dict) -> None:
    """Send ``EXAMPLES`` generated requests of ``operation`` (and a few poisoned prompts) and check each."""
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(), poison=st.sampled_from(["", "\x00", "../", "%ff"]))
    def run(case: schemathesis.Case, poison: str) -> None:
        kwargs = case.as_transport_kwargs(base_url=base, headers=headers)
        if poison and isinstance(kwargs.get("json"), dict):
            kwargs["json"] = {**kwargs["json"], "prompt": poison}
        response = client.request(kwargs["method"], kwargs["url"], params=kwargs.get("params"),
                                  headers=kwargs.get("headers"), json=kwargs.get("json"),
                                  content=kwargs.get("data"))
        seen["requests"] += 1
        seen["statuses"].add(response.status_code)
        _check(response, f"{label} {kwargs.get('json') or kwargs.get('params')}")

    run()


@pytest.mark.parametrize("keyed", [True, False], ids=["with-key", "without-key"])
def test_issue9_fuzzed_api_never_5xx_and_every_4xx_has_detail(api: Server, keyed: bool) -> None:
    deadline = time.monotonic() + BUDGET_SECONDS / 2
    seen: dict = {"requests": 0, "statuses": set()}
    headers = {"Authorization": f"Key {TEST_KEY}"} if keyed else {}
    with httpx.Client(timeout=30) as client:
        for name, document in _documents(api):
            schema = schemathesis.openapi.from_dict(document)
            for result in schema.get_all_operations():
                operation = result.ok()
                if time.monotonic() < deadline:
                    base = document["servers"][0]["url"]
                    _fuzz(client, operation, f"{name} {operation.label}", base, headers, seen)
    print(f"{'with' if keyed else 'without'} key: {seen['requests']} requests, "
          f"statuses {sorted(seen['statuses'])}")
    assert seen["requests"] > 50
