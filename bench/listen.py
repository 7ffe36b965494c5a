"""Listening set: a short scene for each of ten settings, rendered to bench/out/ for a person to hear.

    python bench/listen.py                 # 20 s scenes, espeak-ng dialogue where a scene has lines
    python bench/listen.py --seconds 30 --speech none --stems

Each scene is resolved from its cue text by the lexicon, planned by the scene builder, mixed and
mastered to -16 LUFS / -1 dBTP; next to every WAV goes a spectrogram PNG. One line per scene reports
loudness, true peak and render time.
"""

from __future__ import annotations

import argparse
import time
import wave
from pathlib import Path

import numpy as np

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.loudness import integrated_lufs, true_peak_dbfs
from soundstage.audio.render import render
from soundstage.audio.spectrogram import write_spectrogram
from soundstage.sound.lexicon import build_lexicon
from soundstage.sound.music import Mood, MusicParams
from soundstage.sound.registry import build_registry
from soundstage.sound.scene import DialogueLine, build_scene

OUT = Path(__file__).resolve().parent / "out"

# (file name, cue text, music mood or None, dialogue lines)
SCENES: tuple[tuple[str, str, Mood | None, tuple[str, ...]], ...] = (
    ("kitchen", "kitchen", None, ("Pass me the salt, would you?", "Dinner in five minutes.")),
    ("street", "busy street, a distant siren", None, ()),
    ("forest", "forest, wind in the trees", Mood.CALM, ()),
    ("rain_at_night", "rain at night", Mood.SAD, ()),
    ("convenience_store", "深夜便利店, light rain", None,
     ("Evening. Just the coffee, please.", "That's two dollars.")),
    ("office", "office", None, ("Did you send the report?", "Not yet. Give me ten minutes.")),
    ("beach", "beach", Mood.HOPEFUL, ()),
    ("fire", "campfire at night", None, ("Tell us the story again.",)),
    ("crowd", "restaurant, glasses clinking", None, ("Cheers, everyone!",)),
    ("tension", "suspense", Mood.TENSE, ()),
)


def write_wav(buf: AudioBuffer, path: Path) -> None:
    """24-bit PCM WAV (stdlib only)."""
    ints = np.clip(np.round(buf.samples * 8_388_607.0), -8_388_608, 8_388_607).astype("<i4")
    packed = ints.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(buf.channels)
        w.setsampwidth(3)
        w.setframerate(buf.rate)
        w.writeframes(packed)


def speaker(kind: str):  # type: ignore[no-untyped-def]
    """A text -> AudioBuffer function from the speech engine, or None when it cannot be built."""
    if kind == "none":
        return None
    from soundstage.errors import SoundstageError
    from soundstage.speech.engine import EngineConfig, SpeechRequest, build_engine, collect
    from soundstage.speech.languages import Language
    from soundstage.speech.voices import preset_voices

    try:
        engine = build_engine(kind, EngineConfig(models_dir=Path("data/models"), fetch=False))
        voices = [v for v in preset_voices() if Language.EN in v.languages]
    except (SoundstageError, OSError, KeyError, ValueError) as e:  # a listening aid: say why, go on without
        print(f"dialogue: unavailable ({kind}: {e})")
        return None

    def speak(text: str, k: int) -> AudioBuffer:
        return collect(engine.synthesize(SpeechRequest(text, Language.EN, voices[k % len(voices)]))).audio

    return speak


class SpeechVoices:
    """Adapts a ``speak(text, k)`` function to the sound registry's ``VoiceSource`` (for walla)."""

    def __init__(self, speak, count: int = 6) -> None:  # type: ignore[no-untyped-def]
        self._speak, self._count = speak, count

    def voices(self) -> int:
        return self._count

    def speak(self, text: str, voice: int) -> AudioBuffer:
        return self._speak(text, voice)  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--speech", default="espeak",
                        help="speech engine for dialogue: espeak | kokoro | none")
    parser.add_argument("--stems", action="store_true", help="also write one WAV per track")
    parser.add_argument("--only", nargs="*", help="scene names to render")
    args = parser.parse_args()
    speak = speaker(args.speech)
    # with a speech engine, crowd walla is made of real voices reading scrambled words
    registry = build_registry(voices=SpeechVoices(speak) if speak else None)
    lexicon = build_lexicon(registry)
    for name, text, mood, lines in SCENES:
        if args.only and name not in args.only:
            continue
        t0 = time.perf_counter()
        resolution = lexicon.resolve(text)
        dialogue = [DialogueLine(speak(line, k), 2.5 + k * args.seconds / 2.2, pan=0.2 * (-1) ** k)
                    for k, line in enumerate(lines)] if speak else []
        music = MusicParams(mood=mood, duration=args.seconds) if mood else None
        plan = build_scene(resolution, args.seconds, registry, seed=7, music=music, dialogue=dialogue)
        mix = render(plan.timeline, plan.sources)
        elapsed = time.perf_counter() - t0
        write_wav(mix.master, OUT / f"{name}.wav")
        write_spectrogram(mix.master, OUT / f"{name}.png")
        if args.stems:
            for stem in mix.stems:
                write_wav(stem.audio, OUT / name / f"{stem.name}.wav")
        sounds = ", ".join(resolution.generators())
        print(f"{name:18s} {integrated_lufs(mix.master):6.1f} LUFS {true_peak_dbfs(mix.master):5.1f} dBTP "
              f"{elapsed:5.1f} s  [{sounds}]" + (f"  notes: {'; '.join(plan.notes)}" if plan.notes else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
