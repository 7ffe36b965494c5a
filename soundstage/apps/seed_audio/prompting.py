"""Which mode a prompt is in, and the Script it becomes (references and image included)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from soundstage.apps.seed_audio.schema import PromptMode, SeedAudioInput
from soundstage.errors import AppFailed, InvalidInput
from soundstage.script.director import direct
from soundstage.script.intent import SURE, Decision, Judge, classify
from soundstage.script.judge import WriterJudge
from soundstage.script.model import Cue, CueKind, Line, Mode, Script, Speaker
from soundstage.script.parse import NARRATOR, looks_like_script, parse_script
from soundstage.script.writer import WriterConfig, write_script

__all__ = ["ReferenceRoles", "build_script", "choose_mode", "reference_roles"]

VOICE_OF = re.compile(r"\s*\b(?:(?:in|with|using)\s+(?:the\s+)?voice\s+(?:of|from)\s+@Audio(\d)|"
                      r"(?:in|with|using)\s+@Audio(\d)(?:'s)?\s+voice)\b[,.]?", re.IGNORECASE)
AS_SOUND = re.compile(r"\s*\b(?:with|using|over)\s+@Audio(\d)\s+(?:as|for)\s+(?:the\s+|a\s+)?"
                      r"(background|ambience|ambient|bed|music|soundtrack|sound)\b[,.]?", re.IGNORECASE)
MENTION = re.compile(r"@Audio(\d)", re.IGNORECASE)


@dataclass(frozen=True)
class ReferenceRoles:
    voice: int | None  # @AudioN used as the (first) speaker's voice
    sounds: tuple[tuple[int, CueKind], ...]  # @AudioN placed in the mix
    text: str  # the prompt with those phrases taken out


def reference_roles(prompt: str, count: int) -> ReferenceRoles:
    """"in the voice of @Audio1" and "with @Audio2 as the background" in any mode; a lone reference
    with a plain text prompt is a voice."""
    voice = next((int(m.group(1) or m.group(2)) for m in VOICE_OF.finditer(prompt)), None)
    sounds = tuple((int(m.group(1)), CueKind.MUSIC if m.group(2).lower() in {"music", "soundtrack"}
                    else CueKind.AMBIENCE) for m in AS_SOUND.finditer(prompt))
    text = AS_SOUND.sub("", VOICE_OF.sub("", prompt)).strip()
    if voice is None and count == 1 and not sounds and not MENTION.search(text):
        voice = 1
    return ReferenceRoles(voice, sounds, text)


def choose_mode(inp: SeedAudioInput, text: str, judge: Judge | None = None) -> Decision:
    """The request's ``mode`` wins; then a script's shape; then instruction or text (issue 14), with the
    writer model as the judge of prompts the heuristic is unsure of."""
    if inp.mode is not PromptMode.AUTO:
        return Decision(Mode(inp.mode.value), "set by the request's mode field", 1.0)
    if looks_like_script(text):
        return Decision(Mode.SCRIPT, "speaker lines or [cue] tags", 1.0)
    return classify(text, judge)


def _log_decision(decision: Decision, log: Callable[[str, str], None]) -> None:
    log(f"mode chosen: {decision.describe()}", "INFO")
    if decision.mode is Mode.INSTRUCTION and decision.confidence < SURE:
        log("if the prompt was meant to be read aloud as written, send mode: text", "INFO")


def _text_script(text: str) -> Script:
    spoken = " ".join(MENTION.sub("", text).split())
    if not spoken:
        raise InvalidInput("prompt: nothing is left to speak once the @Audio references are taken out",
                           field="prompt", value=text[:80])
    return Script(Mode.TEXT, (Line(NARRATOR, spoken),), (Speaker(NARRATOR),))


def _instruction(text: str, writer: WriterConfig | None, image: str | None, log: Callable[[str, str], None]) -> Script:
    request = f"{text}\nThe scene: {image}" if image else text
    if writer is not None:
        try:
            return write_script(request, writer)
        except AppFailed as e:
            log(f"{e}; using the offline director instead", "WARN")
    script = direct(text)
    if image and not script.setting:
        script = replace(script, setting=image.lower(), items=(Cue(CueKind.AMBIENCE, image.lower()), *script.items))
    return script


def build_script(inp: SeedAudioInput, roles: ReferenceRoles, writer: WriterConfig | None, image: str | None,
                 log: Callable[[str, str], None]) -> Script:
    decision = choose_mode(inp, roles.text, WriterJudge(writer) if writer is not None else None)
    _log_decision(decision, log)
    mode = decision.mode
    if mode is Mode.SCRIPT:
        script = parse_script(roles.text)
    elif mode is Mode.INSTRUCTION:
        script = _instruction(roles.text, writer, image, log)
    else:
        script = _text_script(roles.text)
    if image and mode is not Mode.INSTRUCTION and not script.setting:
        script = replace(script, setting=image.lower())
    extra = tuple(Cue(kind, f"@Audio{n}", reference=n) for n, kind in roles.sounds)
    return replace(script, items=(*extra, *script.items)) if extra else script
