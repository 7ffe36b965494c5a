"""Protocol details of fal-protocol.md section 11, checked on the wire with a plain HTTP client."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.support.server import Server, headers

pytestmark = pytest.mark.slow


def _until_done(url: str) -> httpx.Response:
    for _ in range(400):
        r = httpx.get(url, headers=headers())
        if r.json()["status"] == "COMPLETED":
            return r
        time.sleep(0.05)
    raise AssertionError("not completed")


def test_submit_reply_and_status_codes(server: Server) -> None:
    r = httpx.post(f"{server.url}/queue/test/sleep", json={"seconds": 0.5, "steps": 5}, headers=headers())
    sub = r.json()
    assert r.headers["x-fal-request-id"] == sub["request_id"]
    assert {"request_id", "response_url", "status_url", "cancel_url", "queue_position"} <= set(sub)
    first = httpx.get(sub["status_url"], headers=headers())
    assert first.status_code == 202
    assert ("queue_position" in first.json()) or ("logs" in first.json())
    assert httpx.get(sub["response_url"], headers=headers()).status_code == 400  # not done yet
    done = _until_done(sub["status_url"])
    assert done.status_code == 200 and done.json()["logs"] is None  # not requested, key present
    result = httpx.get(sub["response_url"], headers=headers())
    assert result.status_code == 200 and result.headers["x-fal-request-id"] == sub["request_id"]


@pytest.mark.parametrize("flag,expect_logs", [("1", True), ("true", True), ("0", False), ("false", False)])
def test_logs_flag_forms(server: Server, flag: str, expect_logs: bool) -> None:
    sub = httpx.post(f"{server.url}/queue/test/echo", json={"text": "x"}, headers=headers()).json()
    body = _until_done(f"{sub['status_url']}?logs={flag}").json()
    assert (body["logs"] is not None) is expect_logs


def test_status_stream_sends_only_new_logs_and_closes(server: Server) -> None:
    sub = httpx.post(f"{server.url}/queue/test/sleep", json={"seconds": 0.6, "steps": 6},
                     headers=headers()).json()
    events = []
    with httpx.stream("GET", f"{sub['status_url']}/stream?logs=1", headers=headers(), timeout=30) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    assert events[-1]["status"] == "COMPLETED"
    messages = [log["message"] for e in events for log in e.get("logs") or []]
    assert messages == [f"step {i}/6" for i in range(1, 7)]


def test_low_priority_waits_behind_normal(server: Server) -> None:
    blocker = httpx.post(f"{server.url}/queue/test/single", json={"seconds": 1.0}, headers=headers()).json()
    low = httpx.post(f"{server.url}/queue/test/single", json={"seconds": 0}, headers={
        **headers(), "X-Fal-Queue-Priority": "low"}).json()
    normal = httpx.post(f"{server.url}/queue/test/single", json={"seconds": 0}, headers=headers()).json()
    assert httpx.get(low["status_url"], headers=headers()).json()["queue_position"] == 1
    assert httpx.get(normal["status_url"], headers=headers()).json()["queue_position"] == 0
    for job in (blocker, low, normal):
        _until_done(job["status_url"])
    bad = httpx.post(f"{server.url}/queue/test/single", json={},
                     headers={**headers(), "X-Fal-Queue-Priority": "urgent"})
    assert bad.status_code == 422


def test_start_deadline_expires_with_504(server: Server) -> None:
    blocker = httpx.post(f"{server.url}/queue/test/single", json={"seconds": 2.5, "steps": 25},
                         headers=headers()).json()
    late = httpx.post(f"{server.url}/queue/test/single", json={"seconds": 0},
                      headers={**headers(), "X-Fal-Request-Timeout": "1.5"}).json()
    status = _until_done(late["status_url"]).json()
    assert status["error_type"] == "request_timeout"
    result = httpx.get(late["response_url"], headers=headers())
    assert result.status_code == 504 and result.headers["x-fal-request-timeout-type"] == "user"
    httpx.put(blocker["cancel_url"], headers=headers())


def test_invalid_json_and_unknown_app(server: Server) -> None:
    r = httpx.post(f"{server.url}/queue/test/echo", content=b"{nope",
                   headers={**headers(), "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "json_invalid"
    r = httpx.post(f"{server.url}/queue/nobody/nothing", json={}, headers=headers())
    assert r.status_code == 404 and "test/echo" in r.json()["detail"]


def test_cors_preflight_allows_the_clients_headers(server: Server) -> None:
    r = httpx.options(f"{server.url}/queue/test/echo", headers={
        "Origin": "http://app.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, x-fal-queue-priority"})
    assert r.status_code == 200
    allowed = r.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "x-fal-queue-priority" in allowed
    r = httpx.post(f"{server.url}/queue/test/echo", json={"text": "a"},
                   headers={**headers(), "Origin": "http://app.example"})
    assert "x-fal-request-id" in r.headers["access-control-expose-headers"]


def test_apps_openapi_jwks_and_tokens(server: Server) -> None:
    apps = httpx.get(f"{server.url}/apps").json()["apps"]
    echo = next(a for a in apps if a["id"] == "test/echo")
    assert echo["input_schema"]["properties"]["repeat"]["maximum"] == 5
    doc = httpx.get(f"{server.url}/apps/test/echo/openapi.json").json()
    assert "/test/echo" in doc["paths"] and "EchoInput" in doc["components"]["schemas"]
    key = httpx.get(f"{server.url}/.well-known/jwks.json").json()["keys"][0]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519"
    token = httpx.post(f"{server.url}/rest/tokens/", json={"allowed_apps": ["echo"], "token_expiration": 120},
                       headers=headers()).json()
    assert isinstance(token, str) and token.count(".") == 2
    r = httpx.get(f"{server.url}/queue/test/echo/requests/none/status", params={"fal_jwt_token": token})
    assert r.status_code == 404  # authenticated by the token, and the request is simply unknown


def test_submit_time_admission_refuses_before_queueing_and_keeps_a_copy(server: Server) -> None:
    import base64

    big = "data:application/octet-stream;base64," + base64.b64encode(b"x" * 17).decode()
    r = httpx.post(f"{server.url}/queue/test/admit", json={"url": big}, headers=headers())
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "url"]
    assert "17 bytes" in r.json()["detail"][0]["msg"]
    small = "data:text/plain;base64," + base64.b64encode(b"tiny").decode()
    out = httpx.post(f"{server.url}/run/test/admit", json={"url": small}, headers=headers(),
                     timeout=30).json()
    assert out["size"] == 4 and out["content_type"] == "text/plain"
