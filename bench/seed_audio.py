"""seed-audio end to end: queue overhead over the engine's own synthesis, and a one-minute designed scene.

    python bench/seed_audio.py

1. About 30 s of single-voice English through the real server and fal-client (wav, 24 kHz), against
   the same text synthesized by the engine in this process (same voice, same threads). The server is
   warmed with one request first, as a long-running server is. Ratio = end-to-end / engine.
2. A one-minute, three-speaker scene with ambience, spot sounds and music: wall time end to end.
Nothing is asserted: the machine is shared, so read the ratio, not the seconds.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fal_client

import soundstage.falclient
from soundstage.speech.assets import fetch_kokoro_assets
from soundstage.speech.controls import Controls
from soundstage.speech.engine import EngineConfig, SpeechRequest, build_engine, collect
from soundstage.speech.languages import Language
from soundstage.speech.voices import resolve_voice
from tests.support.server import TEST_KEY, Server

APP = "bytedance/seed-audio-1.0"
VOICE = "kian_en_zh"
TEXT = ("The old lighthouse stood at the edge of the cliff for more than a hundred years. Every night its"
        " keeper climbed the narrow stairs, trimmed the wick, and watched the beam sweep across the dark"
        " water. Ships passing in the storm relied on that light to find their way home. When the keeper grew"
        " old, the village children took turns helping him carry oil up the tower. One winter a great storm"
        " broke the windows, but the light kept burning until morning, and every boat in the harbour came"
        " back safely.")
SCENE = """INT. CONVENIENCE STORE - NIGHT
[ambience: rain on the window]
[music: tense suspense drone]
CLERK: We close in five minutes, so please make it quick.
[sfx: door chime]
MIA: I only need milk and a loaf of bread, I promise.
CLERK: The milk is at the back, next to the freezer.
JOE: Excuse me, is there anyone else in the store tonight?
CLERK: Just the three of us, as far as I know.
MIA: Then who was that standing by the window a second ago?
[sfx: footsteps on wood]
JOE: I did not see anyone. Maybe it was the rain.
CLERK: Let us not find out. I am locking the door now.
[sfx: door close]
MIA: Wait, do you hear that? Something is moving in the back room.
JOE: Stay behind me. I will take a look.
CLERK: Be careful. The light back there has been flickering all night.
[pause 1.5s]
JOE: It is only the fridge. The compressor is making that noise.
MIA: Good. Then let us pay and go home before midnight."""


def main() -> None:
    models = Path.home() / ".cache" / "soundstage-test" / "models"
    fetch_kokoro_assets(models)
    engine = build_engine("kokoro", EngineConfig(models_dir=models, threads=2))
    voice = resolve_voice(VOICE)
    collect(engine.synthesize(SpeechRequest("Warm up.", Language.EN, voice)))
    started = time.perf_counter()
    speech = collect(engine.synthesize(SpeechRequest(TEXT, Language.EN, voice, Controls())))
    engine_s = time.perf_counter() - started
    data = Path(tempfile.mkdtemp()) / "data"
    data.mkdir()
    (data / "models").symlink_to(models, target_is_directory=True)
    with Server(data, workers=1, env={"SOUNDSTAGE_SPEECH_THREADS": "2"}) as srv:
        soundstage.falclient.use_server(srv.url)
        client = fal_client.SyncClient(key=TEST_KEY, default_timeout=600)
        client.run(APP, arguments={"prompt": "Warm up.", "voice": VOICE})
        started = time.perf_counter()
        out = client.run(APP, arguments={"prompt": TEXT, "voice": VOICE, "output_format": "wav"})
        e2e_s = time.perf_counter() - started
        print(f"single voice: {out['audio']['duration']:.1f} s of speech (engine alone:"
              f" {speech.audio.duration:.1f} s)")
        print(f"  engine synthesis {engine_s:.2f} s, end to end through the queue {e2e_s:.2f} s,"
              f" ratio {e2e_s / engine_s:.3f} (target <= 1.10)")
        started = time.perf_counter()
        scene = client.run(APP, arguments={"prompt": SCENE, "seed": 1})
        scene_s = time.perf_counter() - started
        print(f"three-speaker scene with sound design: {scene['audio']['duration']:.1f} s of audio in"
              f" {scene_s:.1f} s wall ({scene['audio']['duration'] / scene_s:.2f}x real time)")


if __name__ == "__main__":
    main()
