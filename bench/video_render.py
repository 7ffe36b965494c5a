"""Animatic speed: an 8 s 1280x720 24 fps text-to-video shot with one speaking character, timed.

    python bench/video_render.py [--seconds 8] [--repeat 3] [--preset veryfast] [--out bench/out]

Times rendering and H.264 encoding together (as the app runs them: frames drawn in a helper thread while
x264 encodes), then muxing a 48 kHz soundtrack, and reports wall and CPU seconds and the multiple of real
time. Target: at least 2x real time for render + encode on two cores. CPU seconds are the figure that
holds when the machine is shared: 2 cores / (CPU seconds per second of video) bounds the speed-up.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from soundstage.audio.buffer import SPEECH_RATE, AudioBuffer
from soundstage.video import encode
from soundstage.video.animatic import AnimaticRenderer
from soundstage.video.plan import (
    Caption,
    Character,
    PicturePlan,
    VideoFormat,
    camera_move_from_text,
    palette_from_text,
)
from soundstage.video.probe import probe_video
from soundstage.video.visemes import visemes_from_phonemes

PROMPT = ("Wide shot of a chef plating a dish in a warmly lit kitchen, steam rising, slow push in on the"
          " plate, dialogue: 'Service is on'.")
LINE = "sˈɜɹvɪs ɪz ˈɑn. tˈeɪbəl fˈɔɹ ɪz wˈeɪtɪŋ, ænd ðə sˈɔs ɪz ɡˈoʊɪŋ kˈoʊld. "
PHONEME_SECONDS = 0.075  # Kokoro's typical phoneme length at speed 1.0 (25 ms frames x 3)


def plan(seconds: float) -> PicturePlan:
    fmt = VideoFormat(1280, 720, 24, round(seconds * 24))
    symbols = itertools.islice(itertools.cycle(LINE), int((seconds - 1.0) / PHONEME_SECONDS))
    phonemes = [(s, 0.5 + k * PHONEME_SECONDS, 0.5 + (k + 1) * PHONEME_SECONDS)
                for k, s in enumerate(symbols)]
    maya = Character("Maya", "woman", (214, 120, 90), visemes_from_phonemes(phonemes, 0.0))
    captions = (Caption("Service is on. Table four is waiting,", 0.5, seconds / 2, "Maya"),
                Caption("and the sauce is going cold.", seconds / 2, seconds - 0.5, "Maya"))
    return PicturePlan(fmt, PROMPT, palette_from_text(PROMPT, 1), camera_move_from_text(PROMPT), (maya,),
                       captions)


def soundtrack(seconds: float) -> AudioBuffer:
    rng = np.random.default_rng(0)
    return AudioBuffer.from_mono((0.05 * rng.standard_normal(int(seconds * SPEECH_RATE))).astype(np.float32),
                                 SPEECH_RATE)


def never() -> bool:
    return False


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) seconds; CPU counts every thread of the process (x264's and the frame drawer's)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--preset", default=encode.X264_PRESET)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    shot, renderer = plan(args.seconds), AnimaticRenderer()
    picture, final = args.out / "animatic.mp4", args.out / "animatic_sound.mp4"

    render_only = timed(lambda: sum(1 for _ in renderer.render(shot, never)))
    runs = [timed(lambda: encode.encode_video(renderer.render(shot, never), shot.format, picture, never,
                                             preset=args.preset))
            for _ in range(args.repeat)]
    muxed = timed(lambda: encode.mux(picture, soundtrack(args.seconds), final))
    info = probe_video(final, max_seconds=args.seconds + 1, max_pixels=1280 * 720)

    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    print(f"shot: {shot.format.width}x{shot.format.height} {shot.format.fps} fps, {shot.format.frames}"
          f" frames ({shot.format.duration:g} s), camera {shot.camera.label}, x264 preset {args.preset} crf"
          f" {encode.X264_CRF}")
    print(f"render only:      {render_only[0]:.2f} s wall, {render_only[1]:.2f} s CPU "
          f"({shot.format.frames / render_only[0]:.0f} frames/s)")
    print(f"render + encode:  {wall:.2f} s wall (median of {args.repeat}), {cpu:.2f} s CPU "
          f"-> {shot.format.duration / wall:.2f}x real time; CPU bound on 2 idle cores "
          f"{2 * shot.format.duration / cpu:.2f}x")
    print(f"mux with AAC:     {muxed[0]:.2f} s wall")
    print(f"file: {info.size / 1e6:.2f} MB, {8 * info.size / info.duration / 1e6:.2f} Mbit/s; measured"
          f" {info.frames} frames, {info.duration:g} s video, {info.audio_duration:g} s audio"
          f" ({info.audio_samples} samples)")


if __name__ == "__main__":
    main()
