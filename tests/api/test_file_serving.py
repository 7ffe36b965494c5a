"""Issue 17: no file runs script on the server's origin.

Every payload of ``tests.support.uploads`` goes up through each of the four upload protocols and comes
back through every route that serves it (GET, HEAD, a Range GET; on a server with SOUNDSTAGE_FILES_URL
also the files origin and the API origin's redirect). All answers carry nosniff and the sandbox; the
dangerous ones are attachments of type application/octet-stream, the media inline (audio and video may
also load themselves as media, for the browser's player); the bytes are exact.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from soundstage.storage.serving import PLAYER_CSP, SANDBOX_CSP
from tests.support.server import Server, free_port, headers
from tests.support.uploads import PAYLOADS, UPLOADERS, Payload

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def files_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """File URLs on an origin of their own: another port of the same process."""
    env = {"SOUNDSTAGE_FILES_URL": f"http://127.0.0.1:{free_port()}"}
    with Server(tmp_path_factory.mktemp("files-origin"), workers=1, env=env) as srv:
        yield srv


def _assert_file_headers(r: httpx.Response, csp: str = SANDBOX_CSP) -> None:
    where = f"{r.request.method} {r.request.url}"
    assert r.headers.get("x-content-type-options") == "nosniff", where
    assert r.headers.get("content-security-policy") == csp, where


def _assert_served(r: httpx.Response, p: Payload) -> None:
    plays = (p.served_type or "").startswith(("audio/", "video/"))
    _assert_file_headers(r, PLAYER_CSP if plays else SANDBOX_CSP)
    disposition = r.headers["content-disposition"]
    if p.served_type is None:
        assert r.headers["content-type"] == "application/octet-stream"
        assert disposition == f'attachment; filename="{p.file_name}"'
    else:
        assert r.headers["content-type"] == p.served_type
        assert disposition == f'inline; filename="{p.file_name}"'


def _fetch_every_way(url: str, p: Payload) -> None:
    got = httpx.get(url)
    assert got.status_code == 200 and got.content == p.data  # the bytes are never changed
    _assert_served(got, p)
    head = httpx.head(url)
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(p.data)
    _assert_served(head, p)
    part = httpx.get(url, headers={"Range": "bytes=1-4"})
    assert part.status_code == 206 and part.content == p.data[1:5]
    _assert_served(part, p)


@pytest.mark.parametrize("uploader", sorted(UPLOADERS))
@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: p.name)
def test_every_upload_is_served_safely(server: Server, payload: Payload, uploader: str) -> None:
    responses, url = UPLOADERS[uploader](server.url, payload)
    for r in responses:
        assert r.status_code == 200, r.text
        _assert_file_headers(r)
    assert url.startswith(f"{server.url}/files/")
    _fetch_every_way(url, payload)


def test_the_declared_type_is_kept_in_metadata(server: Server) -> None:
    """An app reading the HTML upload still sees ``text/html``: only how it is served changed."""
    html = PAYLOADS[0]
    _, url = UPLOADERS["rest"](server.url, html)
    out = httpx.post(f"{server.url}/run/test/fetch", json={"url": url}, headers=headers(), timeout=30).json()
    assert out["content_type"] == "text/html" and out["size"] == len(html.data)


def test_file_errors_and_previews_carry_the_headers_too(server: Server) -> None:
    missing = httpx.get(f"{server.url}/files/nosuchfile/x.html")
    assert missing.status_code == 404
    _assert_file_headers(missing)
    preview = httpx.get(f"{server.url}/voices/no-such-voice/preview")
    assert preview.status_code == 422
    _assert_file_headers(preview)


def test_api_routes_keep_their_own_headers(server: Server) -> None:
    """The sandbox is for stored bytes; the API's JSON (and a future page) set their own policy."""
    r = httpx.get(f"{server.url}/apps")
    assert r.status_code == 200 and "content-security-policy" not in r.headers


@pytest.mark.parametrize("uploader", sorted(UPLOADERS))
@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: p.name)
def test_files_origin_serves_every_upload_safely(files_server: Server, payload: Payload,
                                                 uploader: str) -> None:
    files_url = files_server.env["SOUNDSTAGE_FILES_URL"]
    responses, url = UPLOADERS[uploader](files_server.url, payload)
    assert all(r.status_code == 200 for r in responses)
    assert url.startswith(f"{files_url}/files/")
    _fetch_every_way(url, payload)
    on_api = httpx.get(url.replace(files_url, files_server.url))
    assert on_api.status_code == 307 and on_api.headers["location"] == url and not on_api.content
    _assert_file_headers(on_api)


def test_files_origin_serves_nothing_but_files(files_server: Server) -> None:
    files_url = files_server.env["SOUNDSTAGE_FILES_URL"]
    for method, path in (("GET", "/apps"), ("POST", "/queue/test/echo"),
                         ("POST", "/rest/storage/upload/initiate"), ("GET", "/voices")):
        r = httpx.request(method, files_url + path, headers=headers(), json={"text": "x"})
        assert r.status_code == 404, path
        _assert_file_headers(r)


def test_outputs_and_inputs_use_the_files_origin(files_server: Server) -> None:
    """A job's output URL is on the files origin, and an upload there is read back as an input."""
    files_url = files_server.env["SOUNDSTAGE_FILES_URL"]
    _, url = UPLOADERS["rest"](files_server.url, PAYLOADS[5])
    fetched = httpx.post(f"{files_server.url}/run/test/fetch", json={"url": url}, headers=headers(),
                         timeout=30)
    assert fetched.status_code == 200 and fetched.json()["size"] == len(PAYLOADS[5].data)
    slept = httpx.post(f"{files_server.url}/run/test/sleep", json={"seconds": 0, "write_file": True},
                       headers=headers(), timeout=30)
    output = slept.json()["file_url"]
    assert slept.status_code == 200 and output.startswith(f"{files_url}/files/")
    served = httpx.get(output)
    assert (served.content == b"partial output"
            and served.headers["content-type"] == "text/plain; charset=utf-8")
    _assert_file_headers(served)
