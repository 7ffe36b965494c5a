"""Issue 12: the playground in a real browser (Debian's Chromium driven by Playwright, as test_file_browser).

A person's path: open ``/``, give the key once, type a prompt, run it with the keyboard, hear the
result (the audio element's source decodes), upload a reference clip through the file picker, browse
the voices. Screenshots at desktop and phone widths go to ``tests/artifacts/playground/`` and are
checked for content; the console stays free of errors and no URL ever carries the key.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from tests.api.test_file_browser import CHROMIUM, CHROMIUM_ARGS
from tests.apps.conftest import models_cache
from tests.support.server import ROOT, TEST_KEY, Server, headers

ARTIFACTS = ROOT / "tests" / "artifacts" / "playground"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
RUN_SECONDS = 180  # a short seed-audio job on the loaded two-core machine, model load included
CLIP_RATE = 24_000  # Hz

pytestmark = [pytest.mark.slow]
if not CHROMIUM.exists():
    pytestmark.append(pytest.mark.skip(reason=f"no {CHROMIUM}: apt-get install chromium to run this test"))


@pytest.fixture(scope="module")
def page_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("playground") / "data"
    data.mkdir()
    (data / "models").symlink_to(models_cache(), target_is_directory=True)
    with Server(data, workers=1, env={"SOUNDSTAGE_SPEECH_THREADS": "2"}) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """A page, what its console said, and every URL it asked for."""

    page: Page
    console: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    def errors(self) -> list[str]:
        return [line for line in self.console if line.startswith(("error", "pageerror"))]


@pytest.fixture
def visit(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Visit]:
    viewport: ViewportSize = getattr(request, "param", DESKTOP)
    context = browser.new_context(viewport=viewport)
    seen = Visit(context.new_page())
    seen.page.set_default_timeout(20_000)
    seen.page.on("console", lambda m: seen.console.append(f"{m.type}: {m.text}"))
    seen.page.on("pageerror", lambda e: seen.console.append(f"pageerror: {e}"))
    seen.page.on("request", lambda r: seen.urls.append(r.url))
    yield seen
    context.close()


def _open(seen: Visit, server: Server, hash_: str = "") -> None:
    seen.page.goto(f"{server.url}/{hash_}")
    seen.page.wait_for_selector("body[data-ready=true]")


def _save_key(seen: Visit) -> None:
    assert seen.page.is_visible("#key-panel")  # asked for once, on the first visit
    seen.page.fill("#key-input", TEST_KEY)
    seen.page.press("#key-input", "Enter")
    seen.page.wait_for_selector("#key-panel", state="hidden")


def _screenshot(seen: Visit, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    seen.page.screenshot(path=str(path), full_page=True)
    pixels = np.asarray(Image.open(path).convert("L"), dtype=np.float32)
    assert pixels.std() > 20 and len(np.unique(pixels)) > 50, f"{path} looks blank"
    return path


def _wait_for_result(seen: Visit) -> dict[str, object]:
    seen.page.wait_for_selector("#result-media", timeout=RUN_SECONDS * 1000)
    seen.page.wait_for_function("() => { const m = document.querySelector('#result-media');"
                                " return m.dataset.decodedDuration && m.readyState >= 1 }")
    return dict(seen.page.evaluate("""() => { const m = document.querySelector('#result-media');
        return {tag: m.tagName, decoded: Number(m.dataset.decodedDuration), element: m.duration, src: m.src,
                status: document.querySelector('#run-status').textContent} }"""))


def _clip() -> bytes:
    """Two seconds of a rising tone over soft noise: a stand-in background bed."""
    t = np.arange(2 * CLIP_RATE) / CLIP_RATE
    noise = np.random.default_rng(1).standard_normal(t.size)
    signal = 0.2 * np.sin(2 * np.pi * (220 + 40 * t) * t) + 0.02 * noise
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(CLIP_RATE)
        w.writeframes((signal * 32767).astype("<i2").tobytes())
    return out.getvalue()


def test_page_sets_a_strict_policy_and_checks_keys_without_failing(page_server: Server) -> None:
    page = httpx.get(f"{page_server.url}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert {"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"} <= set(policy.split("; "))
    assert "unsafe" not in policy and page.headers["x-content-type-options"] == "nosniff"
    for name, kind in (("app.js", "text/javascript"), ("style.css", "text/css")):
        asset = httpx.get(f"{page_server.url}/playground/{name}")
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind)
    assert httpx.get(f"{page_server.url}/playground/../keys").status_code == 404
    assert httpx.get(f"{page_server.url}/playground/session").json() == {"auth_required": True,
                                                                         "key_accepted": False}
    accepted = httpx.get(f"{page_server.url}/playground/session", headers=headers()).json()
    assert accepted["key_accepted"] is True


def test_prompt_to_player_with_the_keyboard(page_server: Server, visit: Visit) -> None:
    _open(visit, page_server)
    _save_key(visit)
    assert visit.page.evaluate("() => localStorage.getItem('soundstage.key')") == TEST_KEY
    visit.page.focus("#f-prompt")
    visit.page.keyboard.type("Hello from the playground. It works.")
    visit.page.check("#f-timestamps")
    visit.page.focus("#f-prompt")
    visit.page.keyboard.press("Control+Enter")
    result = _wait_for_result(visit)
    assert result["tag"] == "AUDIO" and float(result["decoded"]) > 1.0, result  # type: ignore[arg-type]
    assert abs(float(result["element"]) - float(result["decoded"])) < 0.2, result  # type: ignore[arg-type]
    assert "Done" in str(result["status"])
    words = visit.page.inner_text("#words")
    assert "playground" in words.lower()
    assert visit.page.locator("#downloads a").count() >= 1
    code = visit.page.inner_text("#code")
    assert "bytedance/seed-audio-1.0" in code and "Hello from the playground" in code and TEST_KEY not in code
    visit.page.click("#tab-js")
    assert "createFalClient" in visit.page.inner_text("#code")
    _screenshot(visit, "desktop-result")
    assert not [u for u in visit.urls if TEST_KEY in u or TEST_KEY.split(":")[1] in u]
    assert visit.errors() == []


def test_reference_clip_through_the_file_picker(page_server: Server, visit: Visit, tmp_path: Path) -> None:
    clip = tmp_path / "bed.wav"
    clip.write_bytes(_clip())
    _open(visit, page_server)
    if visit.page.is_visible("#key-panel"):
        _save_key(visit)
    visit.page.fill("#f-prompt", "Hello there, with @Audio1 as the background.")
    visit.page.set_input_files("[data-field=audio_urls] input[type=file]", str(clip))
    visit.page.wait_for_function("() => document.querySelector('#f-audio_urls').value.includes('/files/')")
    uploaded = visit.page.input_value("#f-audio_urls").strip()
    assert httpx.get(uploaded, follow_redirects=True).content == clip.read_bytes()
    assert "audio_urls" in visit.page.inner_text("#code")
    visit.page.click("#run-button")
    result = _wait_for_result(visit)
    assert float(result["decoded"]) > 1.0, result  # type: ignore[arg-type]
    assert visit.errors() == []


@pytest.mark.parametrize("visit", [PHONE], indirect=True, ids=["phone"])
def test_phone_width_reads_and_every_control_is_named(page_server: Server, visit: Visit) -> None:
    _open(visit, page_server)
    _save_key(visit)
    overflow = visit.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert visit.page.is_visible("#app-select") and not visit.page.is_visible("#app-menu")
    visit.page.select_option("#app-select", "soundstage/speech")
    visit.page.wait_for_selector("[data-field=input]")
    unnamed = visit.page.evaluate("""() => [...document.querySelectorAll('input, select, textarea, button')]
        .filter((e) => e.offsetParent !== null)
        .filter((e) => !(e.labels && e.labels.length))
        .filter((e) => !e.getAttribute('aria-label') && !e.textContent.trim())
        .map((e) => e.outerHTML.slice(0, 80))""")
    assert unnamed == []
    visit.page.fill("#f-input", "Small screens work too.")
    visit.page.click("#run-button")
    result = _wait_for_result(visit)
    assert float(result["decoded"]) > 0.5, result  # type: ignore[arg-type]
    _screenshot(visit, "phone-result")
    assert visit.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert visit.errors() == []


def test_voices_page_filters_and_previews(page_server: Server, visit: Visit) -> None:
    _open(visit, page_server, "#/voices")
    visit.page.wait_for_selector("#voice-list li")
    total = visit.page.locator("#voice-list li").count()
    assert total >= 21 + 54
    visit.page.select_option("#filter-language", "zh")
    visit.page.select_option("#filter-gender", "male")
    rows = visit.page.evaluate("""() => [...document.querySelectorAll('#voice-list li')].map((li) =>
        ({id: li.dataset.voice, text: li.innerText}))""")
    assert 0 < len(rows) < total
    assert all("male" in r["text"] and "female" not in r["text"] and "zh" in r["text"] for r in rows), rows
    visit.page.click(f"[data-voice={rows[0]['id']}] button")
    visit.page.wait_for_function("() => document.querySelector('#voice-player').readyState >= 1",
                                 timeout=RUN_SECONDS * 1000)
    assert visit.page.evaluate("() => document.querySelector('#voice-player').duration") > 0.5
    _screenshot(visit, "desktop-voices")
    visit.page.click(f"[data-voice={rows[0]['id']}] button.ghost")
    visit.page.wait_for_selector("#f-voice")
    assert visit.page.input_value("#f-voice") == rows[0]["id"]
    assert visit.errors() == []


def test_video_results_play_in_a_video_element_with_their_subtitles(page_server: Server,
                                                                    visit: Visit) -> None:
    _open(visit, page_server, "#/app/bytedance/seedance-2.0/fast/text-to-video")
    _save_key(visit)
    visit.page.fill("#f-prompt", 'A lighthouse keeper says "The storm is coming." Rain on the window.')
    visit.page.select_option("#f-duration", "4")
    visit.page.select_option("#f-resolution", "480p")
    visit.page.check("#f-subtitles")
    visit.page.click("#run-button")
    result = _wait_for_result(visit)
    assert result["tag"] == "VIDEO" and float(result["decoded"]) == pytest.approx(4.0, abs=0.05), result
    visit.page.wait_for_function("() => document.querySelector('#result-media')"
                                 ".textTracks[0]?.cues?.length > 0")
    assert visit.page.locator("#downloads a").count() == 3  # the MP4, the SRT and the WebVTT
    _screenshot(visit, "desktop-video")
    assert visit.errors() == []
