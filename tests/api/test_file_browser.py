"""Issue 17 in a real browser: Debian's Chromium, driven by Playwright, opens upload URLs on the API's origin.

A dialog or the page's own console line would show that a file's script ran; a positive control (the
same HTML served without our headers) shows that this test sees it when it does.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Dialog, Page, Route, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.support.server import Server
from tests.support.uploads import PAYLOADS, UPLOADERS, Payload

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SETTLE_SECONDS = 0.5  # time for a script, had it run, to show a dialog or log
HOSTILE = [p for p in PAYLOADS if p.served_type is None]
BY_NAME = {p.name: p for p in PAYLOADS}

pytestmark = [pytest.mark.slow]
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium", pytrace=False)
    pytestmark.append(pytest.mark.skip(reason=f"no {CHROMIUM}: apt-get install chromium to run this test"))


@dataclass
class Watched:
    """A page and what its documents said: dialogs, console lines, downloads."""

    page: Page
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.set_default_timeout(15_000)
        self.page.on("dialog", self._on_dialog)
        self.page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        self.page.on("download", lambda download: self.downloads.append(download.suggested_filename))

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def script_ran(self) -> bool:
        return bool(self.dialogs) or any("script ran" in line for line in self.console)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(accept_downloads=True)
    yield Watched(context.new_page())
    context.close()


def _open(seen: Watched, url: str) -> None:
    with contextlib.suppress(PlaywrightError):  # "Download is starting" for an attachment
        seen.page.goto(url)
    seen.page.wait_for_timeout(SETTLE_SECONDS * 1000)  # unlike time.sleep, lets Playwright deliver events


@pytest.mark.parametrize("payload", HOSTILE, ids=lambda p: p.name)
def test_opening_a_hostile_upload_runs_no_script(server: Server, watched: Watched, payload: Payload) -> None:
    _, url = UPLOADERS["rest"](server.url, payload)
    _open(watched, url)
    assert watched.downloads == [payload.file_name]  # an attachment: never rendered
    assert not watched.script_ran() and watched.console == []


def _serve_as_html(seen: Watched, url: str, headers: dict[str, str], body: bytes) -> None:
    def fulfil(route: Route) -> None:
        route.fulfill(status=200, headers={**headers, "Content-Type": "text/html"}, body=body)

    seen.page.route(url, fulfil)
    _open(seen, url)


def test_the_sandbox_alone_stops_html_served_inline(server: Server, browser: Browser) -> None:
    """Were the attachment rule ever lost, the headers the server sends still stop the script."""
    html = BY_NAME["html"]
    _, url = UPLOADERS["rest"](server.url, html)
    served = httpx.get(url).headers
    ours = {name: served[name] for name in ("x-content-type-options", "content-security-policy")}
    for headers, runs in (({}, True), (ours, False)):  # without our headers first: the test sees a script run
        context = browser.new_context()
        seen = Watched(context.new_page())
        _serve_as_html(seen, url, headers, html.data)
        assert seen.script_ran() is runs, (headers, seen.dialogs, seen.console)
        context.close()


def _poll(page: Page, expression: str, seconds: float = 10.0) -> object:
    deadline = time.monotonic() + seconds
    value: object = None
    while time.monotonic() < deadline:
        value = page.evaluate(expression)
        if value:
            return value
        page.wait_for_timeout(100)
    return value


@pytest.mark.parametrize(("name", "duration"), [("wav", 0.2), ("mp4", 1.0)])
def test_audio_and_video_play_inline(server: Server, watched: Watched, name: str, duration: float) -> None:
    _, url = UPLOADERS["rest"](server.url, BY_NAME[name])
    _open(watched, url)
    assert watched.downloads == []
    loaded = _poll(watched.page, "() => { const m = document.querySelector('video');"
                                 " return m && m.readyState >= 1 && !m.error ? m.duration : 0 }")
    assert loaded == pytest.approx(duration, abs=0.05), watched.console


def test_images_and_text_show_inline(server: Server, watched: Watched) -> None:
    _, url = UPLOADERS["rest"](server.url, BY_NAME["png"])
    _open(watched, url)
    assert _poll(watched.page, "() => document.querySelector('img')?.naturalWidth") == 8
    _, url = UPLOADERS["rest"](server.url, BY_NAME["text"])
    _open(watched, url)
    assert watched.page.evaluate("() => document.body.innerText") == "plain words"
    assert watched.downloads == []
