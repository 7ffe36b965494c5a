"""Scene builder: resolved cues become a timeline that renders to a mastered scene with ducked beds."""

from __future__ import annotations

import numpy as np
import pytest

from soundstage.audio.buffer import MIX_RATE, SPEECH_RATE, AudioBuffer
from soundstage.audio.loudness import integrated_lufs, true_peak_dbfs
from soundstage.audio.render import render
from soundstage.audio.timeline import Timeline, TrackKind
from soundstage.sound.lexicon import build_lexicon
from soundstage.sound.music import Mood, MusicParams
from soundstage.sound.registry import build_registry
from soundstage.sound.scene import DialogueLine, build_scene

REGISTRY = build_registry(packs=())  # the default install: no recorded packs
LEXICON = build_lexicon(REGISTRY)


def _line(seconds: float) -> AudioBuffer:
    t = np.arange(int(seconds * SPEECH_RATE)) / SPEECH_RATE
    voice = (np.sin(2 * np.pi * 150 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t) ** 2)
             * np.sin(np.pi * t / t[-1]))
    return AudioBuffer.from_mono((0.05 * voice).astype(np.float32), SPEECH_RATE)


def test_convenience_store_scene_plans_renders_and_ducks() -> None:
    resolution = LEXICON.resolve("late-night convenience store, a dog barking")
    plan = build_scene(resolution, 8.0, REGISTRY, seed=3, dialogue=[DialogueLine(_line(2.0), 3.0)],
                       music=MusicParams(mood=Mood.CALM, duration=8.0))
    tracks = {t.name: t for t in plan.timeline.tracks}
    assert {c.source for c in tracks["ambience"].clips} >= {"bed:electrical_hum", "bed:fridge_compressor"}
    assert any(c.source.startswith("spot:door_chime") for c in tracks["foley"].clips)
    assert tracks["dialogue"].clips[0].space == "convenience_store"  # in the shop's room
    assert plan.notes and "dog" in plan.notes[0]  # what was left out travels with the plan
    assert Timeline.from_dict(plan.timeline.to_dict()) == plan.timeline
    mix = render(plan.timeline, plan.sources)
    assert mix.master.frames == 8 * MIX_RATE
    assert integrated_lufs(mix.master) == pytest.approx(-16.0, abs=0.5)
    assert true_peak_dbfs(mix.master) <= -1.0
    bed = next(s for s in mix.stems if s.kind is TrackKind.AMBIENCE).audio.samples
    during, before = (bed[int(3.5 * MIX_RATE) : int(4.5 * MIX_RATE)],
                      bed[int(1.2 * MIX_RATE) : int(2.4 * MIX_RATE)])
    drop = 10 * np.log10(np.mean(before.astype(np.float64) ** 2) / np.mean(during.astype(np.float64) ** 2))
    # stationary hum: ducking is visible
    assert drop == pytest.approx(plan.timeline.ducking.depth_db, abs=1.5)


def test_outdoor_setting_has_no_room() -> None:
    plan = build_scene(LEXICON.resolve("beach"), 4.0, REGISTRY)
    assert plan.timeline.spaces == ()
    assert {c.source for t in plan.timeline.tracks for c in t.clips} == {"bed:waves", "bed:wind"}
