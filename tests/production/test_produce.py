"""The shared production layer: plans of exact length, fitting dialogue into a fixed duration, foley kept
clear of the lines, and the plan as JSON. Runs on the espeak-ng engine (real, and fast enough for unit
tests)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from soundstage.audio.loudness import integrated_lufs, true_peak_dbfs
from soundstage.audio.spill import Stretch
from soundstage.audio.timeline import TrackKind
from soundstage.production.casting import cast
from soundstage.production.plan import ProductionOptions
from soundstage.production.produce import finish, plan, produce
from soundstage.script.model import Line, Mode, Script, Speaker
from soundstage.script.video_prompt import parse_video_prompt
from soundstage.sound.lexicon import build_lexicon
from soundstage.sound.registry import build_registry
from soundstage.speech.engine import EngineConfig
from soundstage.speech.espeak import EspeakEngine, build_espeak_engine

REGISTRY = build_registry()
LEXICON = build_lexicon(REGISTRY)


@pytest.fixture(scope="module")
def espeak(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EspeakEngine]:
    yield build_espeak_engine(EngineConfig(tmp_path_factory.mktemp("models")))


def _script(*lines: tuple[str, str], setting: str = "") -> Script:
    names = list(dict.fromkeys(name for name, _ in lines))
    return Script(Mode.SCRIPT, tuple(Line(n, t) for n, t in lines), tuple(Speaker(n) for n in names),
                  setting=setting)


def _plan(engine: EspeakEngine, script: Script, options: ProductionOptions):  # type: ignore[no-untyped-def]
    voices = cast(script, None, {}, seed=1)
    return plan(script, voices, engine, REGISTRY, LEXICON, options, {}, lambda i, n: None)


def test_fixed_duration_is_exact_to_the_sample(espeak: EspeakEngine) -> None:
    script = _script(("Chef", "Service is on."), setting="a busy kitchen")
    voices = cast(script, None, {}, seed=1)
    production = produce(script, voices, espeak, REGISTRY, LEXICON, ProductionOptions(duration=8.0, seed=3),
                         {}, lambda i, n: None)
    assert production.plan.duration == 8.0
    assert production.mix.master.frames == 8 * 48_000 and production.mix.master.channels == 2


def test_overflowing_dialogue_is_spoken_faster_then_trailing_lines_dropped(espeak: EspeakEngine) -> None:
    long = ("We have to leave before the storm reaches the harbour tonight.",
            "Then pack the boxes and call the driver, there is no time left.",
            "I already told everyone to meet at the old lighthouse at midnight.")
    script = _script(("Ann", long[0]), ("Ben", long[1]), ("Ann", long[2]))
    natural, _ = _plan(espeak, script, ProductionOptions(lead_in=0.5))
    planned, _ = _plan(espeak, script, ProductionOptions(duration=6.0, max_speedup=1.25, lead_in=0.5))
    assert natural.lines[-1].end > 6.0  # it really overflows
    assert planned.duration == 6.0
    assert planned.lines[-1].end <= 6.0 - 0.3 + 1e-6
    assert any("1.25x faster" in n for n in planned.notes)
    dropped = [n for n in planned.notes if n.startswith("dropped the line")]
    assert dropped and len(planned.lines) + len(dropped) == 3
    assert all(line.speed == pytest.approx(1.25) for line in planned.lines)


def test_a_small_overflow_only_speeds_up_as_much_as_needed(espeak: EspeakEngine) -> None:
    script = _script(("Ann", "The harbour closes at nine, so we should hurry along now."))
    natural, _ = _plan(espeak, script, ProductionOptions(lead_in=0.5))
    room = natural.lines[-1].end + 0.3 - 0.2  # 0.2 s short
    planned, _ = _plan(espeak, script, ProductionOptions(duration=room, max_speedup=1.25, lead_in=0.5))
    assert len(planned.lines) == 1 and 1.0 < planned.lines[0].speed < 1.25
    assert planned.lines[0].end <= room - 0.3 + 0.05  # the engine's speed is proportional within a few %


def test_auto_length_is_clamped_and_whole_frames(espeak: EspeakEngine) -> None:
    options = ProductionOptions(min_duration=4.0, max_duration=15.0, step=1 / 24, lead_in=0.5)
    short, _ = _plan(espeak, _script(("Ann", "Hi.")), options)
    assert short.duration == 4.0
    text = "One two three four five six seven eight nine ten eleven twelve thirteen fourteen."
    longer, _ = _plan(espeak, _script(("Ann", text)), options)
    frames = longer.duration * 24
    assert 4.0 < longer.duration <= 15.0 and frames == pytest.approx(round(frames), abs=1e-6)


def test_foley_is_placed_clear_of_the_lines(espeak: EspeakEngine) -> None:
    script = parse_video_prompt("A woman walks down a street at night, footsteps, a car passes. She says "
                                "\"I should have taken the earlier train.\" Then she says \"Never again.\"")
    planned, _ = _plan(espeak, script,
                       ProductionOptions(duration=12.0, lead_in=0.5, spots_clear_of_speech=True))
    spans = [(ln.start, ln.end) for ln in planned.lines]
    foley = next(t for t in planned.timeline.tracks if t.kind is TrackKind.FOLEY)
    assert foley.clips
    for clip in foley.clips:
        assert not any(a - 0.1 < clip.start < b for a, b in spans), (clip.source, clip.start, spans)


def test_plan_is_json_with_lines_and_timeline(espeak: EspeakEngine) -> None:
    planned, sources = _plan(espeak, _script(("Ann", "Hello there."), setting="rain on a window"),
                             ProductionOptions(duration=5.0))
    doc = json.loads(json.dumps(planned.to_dict()))
    assert doc["duration"] == 5.0 and doc["lines"][0]["speaker"] == "Ann"
    keys = {c["source"] for t in doc["timeline"]["tracks"] for c in t["clips"]}
    assert keys <= set(sources)
    assert planned.lines[0].phonemes and planned.lines[0].phonemes[0].start >= planned.lines[0].start - 1e-9


def test_a_long_read_is_spilled_as_spoken_and_mastered_in_blocks(espeak: EspeakEngine) -> None:
    """Issue 16: one long paragraph (one line) waits on disk, not in memory, and the finished file is
    exactly the plan's length, on the loudness target and under the true-peak ceiling."""
    paragraph = " ".join(["The keeper climbed the stairs of the old lighthouse and lit the lamp again."] * 12)
    script = _script(("Narrator", paragraph))
    voices = cast(script, None, {}, seed=1)
    _, sources = plan(script, voices, espeak, REGISTRY, LEXICON, ProductionOptions(), {}, lambda i, n: None)
    assert isinstance(sources["line:0"], Stretch)  # a stretch of the spill the engine's chunks went to
    assert sources["line:0"].duration > 20.0
    options = ProductionOptions(mono_speech=True)
    production = produce(script, voices, espeak, REGISTRY, LEXICON, options, {}, lambda i, n: None)
    with production, finish(production.mix, 1.0) as final:
        audio = final.load()
        assert audio.channels == 1
        assert final.frames == round(production.plan.duration * production.plan.timeline.rate)
    assert integrated_lufs(audio) == pytest.approx(-16.0, abs=0.5)
    assert true_peak_dbfs(audio) <= -1.0 + 1e-3
