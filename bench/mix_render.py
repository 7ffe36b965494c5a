"""Mixer speed: a 60 s, four-track, 48 kHz stereo scene, timed against real time.

    python bench/mix_render.py [--seconds 60] [--repeat 3]

Sources (dialogue lines, ambience beds, foley spots, a music bed) are rendered first and timed
separately; the figure that matters is the mix: placement, distance, reverb, ducking, loudness
normalization and true-peak limiting, with stems. Target: at least 20x faster than real time.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from scipy import signal

from soundstage.audio.buffer import MIX_RATE, SPEECH_RATE, AudioBuffer
from soundstage.audio.loudness import integrated_lufs, true_peak_dbfs
from soundstage.audio.render import render
from soundstage.audio.reverb import Space
from soundstage.audio.timeline import Clip, Timeline, Track, TrackKind
from soundstage.sound.music import Backend, Mood, MusicParams, music_bed
from soundstage.sound.registry import SoundParams, build_registry


def speechlike(seconds: float, seed: int) -> AudioBuffer:
    """Voiced-band noise with a syllable rhythm at the speech engine's rate: stands in for a line."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SPEECH_RATE)
    x = signal.sosfilt(signal.butter(2, [120, 4000], btype="band", fs=SPEECH_RATE, output="sos"),
                       rng.standard_normal(n))
    env = np.clip(np.sin(2 * np.pi * 4.5 * np.arange(n) / SPEECH_RATE), 0, 1) ** 0.5
    return AudioBuffer.from_mono((0.1 * x * env).astype(np.float32), SPEECH_RATE)


def sources(seconds: float) -> dict[str, AudioBuffer]:
    registry = build_registry()
    out = {f"line{k}": speechlike(2.0 + (k % 3), k) for k in range(10)}
    out["rain"] = registry.render("rain_heavy", SoundParams(duration=20.0, seed=1))
    out["room"] = registry.render("room_tone", SoundParams(duration=20.0, seed=2))
    out["steps"] = registry.render("footsteps_wood", SoundParams(duration=4.0, seed=3))
    out["door"] = registry.render("door_close", SoundParams(seed=4))
    out["knock"] = registry.render("door_knock", SoundParams(seed=5))
    out["music"] = music_bed(MusicParams(mood=Mood.TENSE, duration=min(seconds, 30.0)), Backend.SYNTH).audio
    return out


def timeline(seconds: float) -> Timeline:
    lines = tuple(Clip(f"line{k}", 2.0 + k * seconds / 10.5, pan=0.3 * (-1) ** k, space="room", send_db=-18.0)
                  for k in range(10))
    spots = tuple(Clip(("steps", "door", "knock")[k % 3], 1.0 + k * seconds / 24.5, pan=-0.5 + 0.05 * k,
                       distance=1.0 + (k % 4), space="room", fade_in=0.05, fade_out=0.2) for k in range(24))
    return Timeline(
        duration=seconds,
        tracks=(
            Track("dialogue", TrackKind.DIALOGUE, lines),
            Track("ambience", TrackKind.AMBIENCE, (Clip("rain", 0.0, loop=True, fade_in=1.0, gain_db=-4.0),
                                                    Clip("room", 0.0, loop=True))),
            Track("foley", TrackKind.FOLEY, spots),
            Track("music", TrackKind.MUSIC, (Clip("music", 0.0, loop=True, gain_db=-6.0),)),
        ),
        spaces=(Space("room", room_size=0.35, damping=0.5),),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="render tracks on this many threads")
    args = parser.parse_args()
    t0 = time.perf_counter()
    srcs = sources(args.seconds)
    prep = time.perf_counter() - t0
    plan = timeline(args.seconds)
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        mix = render(plan, srcs, threads=args.threads)
        times.append(time.perf_counter() - t0)
    best, median = min(times), statistics.median(times)
    print(f"sources rendered in {prep:.2f} s (generators and music bed, not part of the mix figure)")
    print(f"mix of {args.seconds:.0f} s, 4 tracks, {len(srcs)} sources, 48 kHz stereo, {args.threads}"
          f" thread(s): best {best:.2f} s, "
          f"median {median:.2f} s -> {args.seconds / best:.1f}x real time (median"
          f" {args.seconds / median:.1f}x)")
    print(f"master: {integrated_lufs(mix.master):.2f} LUFS, {true_peak_dbfs(mix.master):.2f} dBTP, "
          f"{mix.master.frames} frames (expected {round(args.seconds * MIX_RATE)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
