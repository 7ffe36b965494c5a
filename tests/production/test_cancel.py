"""Issue 9: a production is followed sentence by sentence and stops when cancelled, while speaking,
mixing or encoding. Runs on the espeak-ng engine (real, and fast enough for unit tests)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.codecs import AudioFormat, encode
from soundstage.errors import Cancelled
from soundstage.production.casting import cast
from soundstage.production.plan import ProductionOptions
from soundstage.production.produce import Watch, plan, produce, render_plan
from soundstage.script.model import Line, Mode, Script, Speaker
from soundstage.sound.lexicon import build_lexicon
from soundstage.sound.registry import build_registry
from soundstage.speech.engine import EngineConfig
from soundstage.speech.espeak import EspeakEngine, build_espeak_engine

REGISTRY = build_registry()
LEXICON = build_lexicon(REGISTRY)
PARAGRAPH = ("The boat left at dawn. The sea was calm. Gulls followed the wake. The captain sang softly. "
             "By noon the island was in sight.")


@pytest.fixture(scope="module")
def espeak(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EspeakEngine]:
    yield build_espeak_engine(EngineConfig(tmp_path_factory.mktemp("models")))


def _script(*lines: tuple[str, str], setting: str = "") -> Script:
    names = list(dict.fromkeys(name for name, _ in lines))
    return Script(Mode.SCRIPT, tuple(Line(n, t) for n, t in lines), tuple(Speaker(n) for n in names),
                  setting=setting)


def after(calls: int) -> tuple[Callable[[], bool], list[float]]:
    """A cancel check that turns true on its ``calls``-th call; also records when it was asked."""
    asked: list[float] = []

    def cancelled() -> bool:
        asked.append(time.perf_counter())
        return len(asked) >= calls
    return cancelled, asked


def test_issue9_progress_by_sentence_within_one_line(espeak: EspeakEngine) -> None:
    script = _script(("Narrator", PARAGRAPH), ("Narrator", "The end."))
    seen: list[tuple[int, int]] = []
    watch = Watch(lambda i, n: None, on_sentence=lambda k, n: seen.append((k, n)))
    plan(script, cast(script, None, {}, seed=1), espeak, REGISTRY, LEXICON, ProductionOptions(), {}, watch)
    assert seen == [(k, 6) for k in range(1, 7)]


def test_issue9_cancel_while_speaking_stops_before_the_next_sentence(espeak: EspeakEngine) -> None:
    script = _script(("Narrator", PARAGRAPH))
    spoken: list[int] = []
    stop = {"now": False}

    def on_sentence(k: int, n: int) -> None:
        spoken.append(k)
        stop["now"] = k == 2

    watch = Watch(lambda i, n: None, lambda: stop["now"], on_sentence)
    with pytest.raises(Cancelled):
        plan(script, cast(script, None, {}, seed=1), espeak, REGISTRY, LEXICON, ProductionOptions(), {},
             watch)
    assert spoken == [1, 2]


def test_issue9_cancel_inside_the_mix(espeak: EspeakEngine) -> None:
    script = _script(("Ann", "Listen to the rain."), ("Ben", "It will not stop tonight."),
                     setting="heavy rain on a tin roof, a kitchen")
    voices = cast(script, None, {}, seed=1)
    planned, sources = plan(script, voices, espeak, REGISTRY, LEXICON, ProductionOptions(seed=2), {},
                            lambda i, n: None)
    counting, asked = after(10**9)
    render_plan(planned, sources, counting)
    checks = len(asked)  # how often a whole mix looks: between sources, clips, tracks and mastering steps
    assert checks >= 8
    for stop_at in (1, checks // 2, checks):
        cancelled, _ = after(stop_at)
        with pytest.raises(Cancelled):
            render_plan(planned, sources, cancelled)
    with pytest.raises(Cancelled):
        produce(script, voices, espeak, REGISTRY, LEXICON, ProductionOptions(seed=2), {},
                Watch(lambda i, n: None, after(checks // 2)[0]))


@pytest.mark.parametrize("fmt", list(AudioFormat))
def test_issue9_cancel_inside_encoding(fmt: AudioFormat) -> None:
    rng = np.random.default_rng(0)
    buf = AudioBuffer((0.1 * rng.standard_normal((48_000 * 20, 2))).astype(np.float32), 48_000)
    cancelled, asked = after(3)
    if fmt is AudioFormat.PCM:  # no encoder to interrupt: one check after the resampler
        cancelled, asked = after(1)
    with pytest.raises(Cancelled):
        encode(buf, fmt, 48_000, cancelled)
    assert len(asked) in (1, 3)


def test_issue9_block_wise_mixing_gives_the_same_samples_as_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Long mixes are processed in blocks so a cancel is seen between them: the result must not change
    (beyond float rounding: block-wise reverb convolution adds in another order)."""
    import sys
    from pathlib import Path

    from soundstage import cancellation
    from soundstage.audio.render import render

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from mix_render import sources, timeline

    src, plan_ = sources(12.0), timeline(12.0)
    monkeypatch.setattr(cancellation, "BLOCK_FRAMES", 1 << 30)
    whole = render(plan_, src)
    monkeypatch.setattr(cancellation, "BLOCK_FRAMES", 10_007)  # odd-sized blocks, many of them
    counting, asked = after(10**9)
    blocked = render(plan_, src, cancelled=counting)
    assert len(asked) > 100
    np.testing.assert_allclose(whole.master.samples, blocked.master.samples, atol=1e-6)
    assert blocked.report.integrated_lufs == pytest.approx(whole.report.integrated_lufs, abs=1e-4)
    for a, b in zip(whole.stems, blocked.stems, strict=True):
        np.testing.assert_allclose(a.audio.samples, b.audio.samples, atol=1e-6)
