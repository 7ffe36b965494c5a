"""The request's dialogue, spoken: one voice per speaker (given, or cast distinct), each line at its time.

A line that would run past the video's end is spoken faster, up to ``MAX_SPEEDUP``; one that still does not
fit is dropped and named in the log (a line cut off mid-word is the garbled speech this endpoint promises
not to make).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from soundstage.apps.video_to_audio.schema import DialogueLine
from soundstage.audio.buffer import AudioBuffer
from soundstage.production.casting import cast, line_language
from soundstage.script.model import Line, Mode, Script, Speaker
from soundstage.speech.controls import Controls
from soundstage.speech.engine import SpeechEngine, SpeechRequest, collect
from soundstage.speech.voices import Voice

__all__ = ["MAX_SPEEDUP", "speak"]

MAX_SPEEDUP = 1.25  # faster than this stops sounding like the same person talking
TAIL = 0.05  # s left after a line's last sound before the video ends


def _voices(lines: Sequence[DialogueLine], seed: int) -> dict[str, Voice]:
    speakers: dict[str, Speaker] = {}
    for line in lines:
        speakers.setdefault(line.speaker, Speaker(line.speaker, voice=line.voice))
    script = Script(Mode.SCRIPT, tuple(Line(x.speaker, x.text) for x in lines), tuple(speakers.values()))
    return cast(script, None, {}, seed)


def _say(engine: SpeechEngine, line: DialogueLine, voice: Voice, speed: float) -> AudioBuffer:
    request = SpeechRequest(line.text, line_language(line.text, voice), voice, Controls(speed=speed))
    return collect(engine.synthesize(request)).audio


def speak(lines: Sequence[DialogueLine], engine: SpeechEngine, duration: float, seed: int,
          log: Callable[[str, str], None]) -> tuple[list[tuple[AudioBuffer, float]], list[str]]:
    """(audio, start) per line that fits, and notes for the lines that needed help or did not fit."""
    if not lines:
        return [], []
    voices = _voices(lines, seed)
    for name, voice in voices.items():
        log(f"voice for {name}: {voice.id}", "INFO")
    spoken, notes = [], []
    for i, line in enumerate(lines):
        room = duration - line.start - TAIL
        audio = _say(engine, line, voices[line.speaker], 1.0)
        if audio.duration > room > 0 and audio.duration / room <= MAX_SPEEDUP:
            speed = audio.duration / room * 1.01
            audio = _say(engine, line, voices[line.speaker], speed)
            notes.append(f"dialogue[{i}] spoken {speed:.2f}x faster to end before the video does")
        if audio.duration > room:
            notes.append(f"dialogue[{i}] {line.text!r} dropped: {audio.duration:.2f} s of speech from "
                         f"{line.start:g} s does not fit before the end ({duration:.2f} s), even"
                         f" {MAX_SPEEDUP:g}x faster")
            continue
        spoken.append((audio, line.start))
    return spoken, notes
