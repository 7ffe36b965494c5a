"""soundstage/video-to-audio: how fast a soundtrack is made for a video, and how close foley lands
to its frame.

    python bench/video_to_audio.py [--seconds 20] [--repeat 2]

1. Speed: a drawn 1920x1080 30 fps and a 1280x720 24 fps H.264 video of ``--seconds`` (a textured room, a
   figure walking, then a cut to boxes falling; sensor noise at full resolution, x264 veryfast CRF 23),
   written once to bench/out. In this process, as a worker runs it: the picture analysis (decode and
   measure), the sound (prompt sections, foley, beds, mix and master) and the mux (packets copied, AAC
   encoded). Speed = video seconds / wall seconds of analysis + sound (target >= 5x real time on 2
   cores); CPU seconds alongside, since the machine is shared (the load average is printed).
2. Accuracy: the test scenes (tests/video/scenes.py) through the same pipeline; each foley onset in the
   rendered track against the frame of its event, in ms (target <= 50).
Nothing is asserted: read the multiples, not the seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import av
import numpy as np

from soundstage.apps.video_to_audio.design import DesignInputs, design
from soundstage.apps.video_to_audio.sections import sections
from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.render import Mix, render
from soundstage.sound.lexicon import build_lexicon
from soundstage.sound.registry import build_registry
from soundstage.video.analysis import analyse_video
from soundstage.video.encode import container_for, mux, video_duration
from tests.video.scenes import Drops, Walker, write

OUT = Path(__file__).resolve().parent / "out"
LIMITS = {"max_seconds": 60.0, "max_pixels": 4096 * 2160}
PROMPT = "0-{cut}s: footsteps on wood, a quiet room; {cut}-end: boxes hit the floor, light rain"


def draw(width: int, height: int, fps: int, seconds: float, path: Path) -> Path:
    """The test scenes at full size: the walk, then a cut to the drops; noise on every frame."""
    if path.exists():
        return path
    frames = round(fps * seconds)
    walker = Walker(step_frames=round(fps / 2), first_plant=round(fps * 0.6), fps=fps,
                    frames=frames // 2).scene()
    drops = Drops(starts=[round(fps * 0.4), round(fps * 1.6)], landings=[round(fps * 1.1), round(fps * 2.2)],
                  fps=fps, frames=frames - frames // 2).scene()
    rng = np.random.default_rng(0)
    scale = (height // 180, width // 320)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps, options={"preset": "veryfast", "crf": "23"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for k in range(frames):
            small = walker.draw(k) if k < frames // 2 else drops.draw((k - frames // 2) % drops.frames)
            big = np.repeat(np.repeat(small, scale[0], axis=0), scale[1], axis=1)[:height, :width]
            noisy = big + rng.integers(0, 6, big.shape[:2] + (1,), dtype=np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(noisy, format="rgb24")))
        out.mux(stream.encode())
    return path


@dataclass
class Timing:
    wall: float
    cpu: float


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, Timing(time.perf_counter() - wall, time.process_time() - cpu)


def soundtrack(path: Path, prompt: str) -> tuple[Mix, float, Timing, Timing]:
    registry = build_registry()
    lexicon = build_lexicon(registry)
    analysis, seen = timed(analyse_video, path, **LIMITS)
    duration = float(video_duration(path))

    def sound() -> Mix:
        plan = design(DesignInputs(sections(prompt, analysis), "", None, (), None, -16.0, 1), analysis,
                      duration, registry, lexicon)
        return render(plan.timeline, plan.sources)

    mix, heard = timed(sound)
    return mix, duration, seen, heard


def speed(seconds: float, repeat: int) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for width, height, fps in ((1920, 1080, 30), (1280, 720, 24)):
        path = draw(width, height, fps, seconds, OUT / f"v2a-{height}p{fps}-{seconds:g}s.mp4")
        prompt = PROMPT.format(cut=f"{seconds / 2:g}")
        runs = [soundtrack(path, prompt) for _ in range(repeat)]
        mix, duration = runs[0][0], runs[0][1]
        _, muxing = timed(mux, path, mix.master, OUT / "v2a-out.mp4", container_for(path))
        seen = statistics.median(r[2].wall for r in runs)
        heard = statistics.median(r[3].wall for r in runs)
        seen_cpu = statistics.median(r[2].cpu for r in runs)
        heard_cpu = statistics.median(r[3].cpu for r in runs)
        mbit = path.stat().st_size * 8 / duration / 1e6
        print(f"{height}p{fps} ({mbit:.1f} Mbit/s, {duration:g} s): wall analysis {seen:.2f} s + sound"
              f" {heard:.2f} s -> {duration / (seen + heard):.1f}x real time (target >= 5x on 2 cores); CPU"
              f" analysis {seen_cpu:.2f} s + sound {heard_cpu:.2f} s ->"
              f" {duration / (seen_cpu + heard_cpu):.1f}x real time per core busy; mux {muxing.wall:.2f} s")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def onsets(audio: AudioBuffer, spacing: float = 0.25) -> list[float]:
    """2 ms RMS rising 12 dB over the loudest of the 30 ms before (a ringing tail's beats are no onset),
    within 45 dB of the peak; the first of each group."""
    hop = audio.rate // 500
    mono = audio.mono()[: audio.frames // hop * hop].reshape(-1, hop)
    level = 10 * np.log10(np.mean(mono.astype(np.float64) ** 2, axis=1) + 1e-12)
    before = np.maximum.reduce([level[k:len(level) - 15 + k] for k in range(15)])  # the last 30 ms' loudest
    rising = np.flatnonzero((level[15:] - before >= 12) & (level[15:] >= level.max() - 45)) + 15
    found: list[float] = []
    for i in rising:
        if not found or i / 500 - found[-1] > spacing:
            found.append(i / 500)
    return found


def accuracy() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    drops, walker = Drops(starts=[10, 40], landings=[26, 52]), Walker()
    for name, scene, prompt, events in (
            ("impacts", drops.scene(), "a heavy box hits the floor", [k / drops.fps for k in drops.landings]),
            ("footsteps", walker.scene(), "footsteps on wood", [k / walker.fps for k in walker.plants])):
        path = write(scene, OUT / f"v2a-{name}.mp4")
        mix, *_ = soundtrack(path, prompt)
        heard = onsets(mix.master)
        errors = [1000 * min(abs(h - e) for h in heard) for e in events]
        print(f"{name}: {len(heard)} onsets for {len(events)} events; error per event (ms): "
              f"{', '.join(f'{e:.0f}' for e in errors)}; worst {max(errors):.0f} ms (target <= 50)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    accuracy()
    speed(args.seconds, args.repeat)


if __name__ == "__main__":
    main()
