"""Seedance text-to-video: what native audio costs in wall time, and how fast the picture is drawn.

    python bench/video.py [--repeat 3]

1. The seed article's request (8 s, 720p, 16:9, one line of dialogue) through a real server and
   fal-client, with ``generate_audio`` true and false, alternated, after one warm-up of each (a
   long-running server has its models loaded). Ratio = median wall time with audio / without
   (Seedance's own: 1.15-1.20; target <= 1.05, since the mix renders while the picture is drawn).
2. The picture alone, in this process: the animatic of the same shot drawn and H.264-encoded at
   1280x720, 24 fps, as a multiple of real time (target >= 2x on 2 cores).
Nothing is asserted: the machine is shared, so read the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fal_client

import soundstage.falclient
from soundstage.speech.assets import fetch_kokoro_assets
from soundstage.video.encode import encode_video
from soundstage.video.plan import (
    Caption,
    Character,
    PicturePlan,
    VideoFormat,
    Viseme,
    camera_move_from_text,
    palette_from_text,
)
from soundstage.video.renderer import build_renderer
from tests.support.server import TEST_KEY, Server

APP = "bytedance/seedance-2.0/text-to-video"
PROMPT = ("Wide shot of a chef plating a dish in a warmly lit kitchen, steam rising, slow push in on the"
          " plate, dialogue: 'Service is on'.")
ARGS = {"prompt": PROMPT, "resolution": "720p", "duration": 8, "aspect_ratio": "16:9", "seed": 1}


def end_to_end(repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        models = Path.home() / ".cache" / "soundstage-test" / "models"
        fetch_kokoro_assets(models)
        (data / "models").symlink_to(models, target_is_directory=True)
        with Server(data, workers=1, env={"SOUNDSTAGE_SPEECH_THREADS": "2"}) as server:
            soundstage.falclient.use_server(server.url)
            client = fal_client.SyncClient(key=TEST_KEY, default_timeout=600)
            times: dict[bool, list[float]] = {True: [], False: []}
            for audio in (True, False):  # warm-up: models loaded, first-use caches filled
                client.run(APP, arguments={**ARGS, "generate_audio": audio})
            for _ in range(repeat):
                for audio in (True, False):
                    started = time.perf_counter()
                    client.run(APP, arguments={**ARGS, "generate_audio": audio})
                    times[audio].append(time.perf_counter() - started)
    on, off = statistics.median(times[True]), statistics.median(times[False])
    print(f"8 s 720p text-to-video, median of {repeat}: audio on {on:.2f} s, off {off:.2f} s, "
          f"ratio {on / off:.3f} (target <= 1.05; Seedance 1.15-1.20)")


def picture_speed() -> None:
    fmt = VideoFormat(1280, 720, 24, 192)
    visemes = tuple(Viseme(1.0 + k * 0.12, 1.0 + (k + 1) * 0.12, ("aa", "PP", "E", "oh", "sil")[k % 5])
                    for k in range(10))
    plan = PicturePlan(format=fmt, description=PROMPT, palette=palette_from_text(PROMPT, 1),
                       camera=camera_move_from_text(PROMPT),
                       characters=(Character("Chef", "chef", (220, 170, 120), visemes),),
                       captions=(Caption("Service is on", 1.0, 2.2, "Chef"),), seed=1)
    renderer = build_renderer("animatic")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        encode_video(renderer.render(plan, lambda: False), fmt, Path(tmp) / "p.mp4", lambda: False)
        wall = time.perf_counter() - started
    print(f"animatic 1280x720 24 fps, 8 s drawn and encoded in {wall:.2f} s: {fmt.duration / wall:.1f}x real"
          f" time (target >= 2x)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    picture_speed()
    end_to_end(args.repeat)


if __name__ == "__main__":
    main()
