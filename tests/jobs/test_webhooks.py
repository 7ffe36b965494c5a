"""Webhooks: signed as fal signs them, verifiable against our JWKS, retried until the receiver succeeds."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from soundstage.api.webhooks import next_attempt_at
from soundstage.settings import Settings
from tests.support.server import Server, headers

pytestmark = pytest.mark.slow


class Receiver:
    """A loopback webhook receiver that fails its first ``failures`` deliveries with 500."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(500 if len(receiver.calls) <= receiver.failures else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(failures=2)
    yield r
    r.httpd.shutdown()


def verify(jwks: dict[str, Any], hdrs: dict[str, str], body: bytes) -> bool:
    """A receiver written to fal's published rules (fal-protocol.md, section 8)."""
    timestamp = int(hdrs["x-fal-webhook-timestamp"])
    if abs(time.time() - timestamp) > 300:
        return False
    message = "\n".join([hdrs["x-fal-webhook-request-id"], hdrs["x-fal-webhook-user-id"], str(timestamp),
                         hashlib.sha256(body).hexdigest()]).encode()
    for key in jwks["keys"]:
        raw = base64.urlsafe_b64decode(key["x"] + "=" * (-len(key["x"]) % 4))
        try:
            Ed25519PublicKey.from_public_bytes(raw).verify(bytes.fromhex(hdrs["x-fal-webhook-signature"]),
                                                           message)
            return True
        except Exception:  # noqa: BLE001, S112 - any failure means this key does not verify
            continue
    return False


def test_webhook_is_signed_retried_and_delivered_once(trusted_server: Server, receiver: Receiver) -> None:
    sub = httpx.post(f"{trusted_server.url}/queue/test/echo", params={"fal_webhook": receiver.url},
                     json={"text": "hook"}, headers=headers()).json()
    deadline = time.monotonic() + 20
    while len(receiver.calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # a duplicate would arrive within the retry delays
    assert len(receiver.calls) == 3
    jwks = httpx.get(f"{trusted_server.url}/.well-known/jwks.json").json()
    for hdrs, body in receiver.calls:
        assert verify(jwks, hdrs, body)
        assert not verify(jwks, hdrs, body + b" ")
    payload = json.loads(receiver.calls[-1][1])
    assert payload["request_id"] == sub["request_id"] and payload["status"] == "OK"
    assert payload["payload"]["text"] == "hook"


def test_failed_job_webhook_carries_the_error(trusted_server: Server, receiver: Receiver) -> None:
    receiver.failures = 0
    httpx.post(f"{trusted_server.url}/queue/test/sleep", params={"fal_webhook": receiver.url},
               json={"seconds": 0, "fail": True}, headers=headers())
    deadline = time.monotonic() + 20
    while not receiver.calls and time.monotonic() < deadline:
        time.sleep(0.05)
    payload = json.loads(receiver.calls[0][1])
    assert payload["status"] == "ERROR" and payload["error"] == "Invalid status code: 422"
    assert payload["payload"]["detail"][0]["loc"] == ["body", "seconds"]


def test_retry_schedule_spans_two_hours_in_ten_tries() -> None:
    settings = Settings()
    now, waits = 0.0, []
    for attempt in range(1, 11):
        at = next_attempt_at(now, attempt, settings)
        if at is None:
            break
        waits.append(at - now)
        now = at
    assert len(waits) == 9  # ten tries in all
    assert 1.9 * 3600 < sum(waits) < 2.1 * 3600
