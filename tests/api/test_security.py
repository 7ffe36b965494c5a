"""Auth on by default, per-key isolation (404, not 403), SSRF refusals, size limits while streaming."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.support.server import OTHER_KEY, Server, headers
from tests.support.uploads import wav

pytestmark = pytest.mark.slow


def _wait(server: Server, response_url: str, key: str | None = None) -> httpx.Response:
    hdrs = headers(key) if key else headers()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status = httpx.get(f"{response_url}/status", headers=hdrs).json()
        if status["status"] == "COMPLETED":
            return httpx.get(response_url, headers=hdrs)
        time.sleep(0.05)
    raise AssertionError("job did not complete")


def test_requests_without_a_key_are_refused(server: Server) -> None:
    r = httpx.post(f"{server.url}/queue/test/echo", json={"text": "a"})
    assert r.status_code == 401 and "Authorization" in r.json()["detail"]
    r = httpx.post(f"{server.url}/queue/test/echo", json={"text": "a"}, headers={"Authorization": "Key nope"})
    assert r.status_code == 401


def test_bearer_is_accepted(server: Server) -> None:
    r = httpx.post(f"{server.url}/queue/test/echo", json={"text": "a"},
                   headers={"Authorization": "Bearer test-key-id:test-key-secret"})
    assert r.status_code == 200


def test_another_keys_job_is_not_found(server: Server) -> None:
    sub = httpx.post(f"{server.url}/queue/test/echo", json={"text": "mine"}, headers=headers()).json()
    for path in ("", "/status"):
        r = httpx.get(sub["response_url"] + path, headers=headers(OTHER_KEY))
        assert r.status_code == 404
    assert httpx.put(sub["cancel_url"], headers=headers(OTHER_KEY)).status_code == 404
    assert _wait(server, sub["response_url"]).json()["text"] == "mine"


def test_another_keys_uploaded_file_cannot_be_used_as_input(server: Server) -> None:
    init = httpx.post(f"{server.url}/rest/storage/upload/initiate", headers=headers(),
                      json={"file_name": "a.txt", "content_type": "text/plain"}).json()
    assert httpx.put(init["upload_url"], content=b"secret").status_code == 200
    sub = httpx.post(f"{server.url}/queue/test/fetch", json={"url": init["file_url"]},
                     headers=headers(OTHER_KEY)).json()
    result = _wait(server, sub["response_url"], OTHER_KEY)
    assert result.status_code == 422 and "not found" in result.json()["message"]


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:1/x", "http://localhost/x", "http://10.0.0.1/x", "http://169.254.169.254/latest/meta-data",
    "http://[::1]/x", "http://192.168.1.1/x", "file:///etc/passwd", "ftp://example.com/x",
])
def test_unsafe_input_urls_are_refused(server: Server, url: str) -> None:
    sub = httpx.post(f"{server.url}/queue/test/fetch", json={"url": url}, headers=headers()).json()
    result = _wait(server, sub["response_url"])
    assert result.status_code == 422
    assert result.json()["error_type"] == "unsafe_url"


def test_unsafe_webhook_is_refused_at_submit(server: Server) -> None:
    r = httpx.post(f"{server.url}/queue/test/echo", params={"fal_webhook": "http://10.1.2.3/hook"},
                   json={"text": "a"}, headers=headers())
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "fal_webhook"]


@pytest.fixture
def redirector() -> Iterator[str]:
    """A loopback host that redirects to the cloud metadata address."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/start"
    httpd.shutdown()


def test_a_redirect_to_a_private_address_is_refused(redirector: str,
                                                    tmp_path_factory: pytest.TempPathFactory) -> None:
    """The first host is explicitly trusted; the metadata address it redirects to is checked again."""
    with Server(tmp_path_factory.mktemp("redirect"), workers=1,
                env={"SOUNDSTAGE_ALLOWED_HOSTS": "127.0.0.1"}) as srv:
        sub = httpx.post(f"{srv.url}/queue/test/fetch", json={"url": redirector}, headers=headers()).json()
        result = _wait(srv, sub["response_url"])
    assert result.status_code == 422
    assert result.json()["error_type"] == "unsafe_url" and "169.254.169.254" in result.json()["message"]


@pytest.fixture
def big_host() -> Iterator[str]:
    """Serves 5 MiB without a Content-Length, so only a streaming limit can stop it."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            for _ in range(80):
                self.wfile.write(b"\0" * 65536)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/big.bin"
    httpd.shutdown()


def test_oversize_input_is_refused_while_streaming(trusted_server: Server, big_host: str) -> None:
    sub = httpx.post(f"{trusted_server.url}/queue/test/fetch", json={"url": big_host, "limit": 1 << 20},
                     headers=headers()).json()
    result = _wait(trusted_server, sub["response_url"])
    assert result.status_code == 422 and "limit" in result.json()["message"]


def test_oversize_upload_is_refused_while_streaming(tmp_path_factory: pytest.TempPathFactory) -> None:
    with Server(tmp_path_factory.mktemp("small"), workers=0,
                env={"SOUNDSTAGE_MAX_UPLOAD_BYTES": str(1 << 20)}) as srv:
        init = httpx.post(f"{srv.url}/rest/storage/upload/initiate", headers=headers(),
                          json={"file_name": "a.bin", "content_type": "application/octet-stream"}).json()

        def body() -> Iterator[bytes]:  # chunked: no Content-Length to refuse up front
            for _ in range(40):
                yield b"\0" * 65536

        r = httpx.put(init["upload_url"], content=body())
        assert r.status_code == 413
        assert httpx.get(init["file_url"]).status_code == 404


def test_no_auth_refuses_a_public_bind(tmp_path_factory: pytest.TempPathFactory) -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "soundstage", "serve", "--no-auth", "--host", "0.0.0.0",
                          "--data-dir", str(tmp_path_factory.mktemp("noauth"))],
                         check=False, capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "--force" in out.stderr


def test_download_urls_work_without_a_key_and_support_range(server: Server) -> None:
    init = httpx.post(f"{server.url}/rest/storage/upload/initiate", headers=headers(),
                      json={"file_name": "a.wav", "content_type": "audio/wav"}).json()
    data = wav()  # served as audio/wav only if it is one (issue 17)
    httpx.put(init["upload_url"], content=data)
    r = httpx.get(init["file_url"], headers={"Range": "bytes=2-5"})
    assert r.status_code == 206 and r.content == data[2:6] and r.headers["content-type"] == "audio/wav"
