"""Which mode a prompt is in, and the Script it becomes (references and image included)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from soundstage.apps.seed_audio.schema import PromptMode, SeedAudioInput
from soundstage.errors import AppFailed, InvalidInput
from soundstage.script.brief import make_brief
from soundstage.script.intent import SURE, Decision, Judge, classify
from soundstage.script.mentions import ReferenceRoles, reference_roles, strip_mentions
from soundstage.script.model import Cue, Line, Mode, Script, Speaker
from soundstage.script.parse import NARRATOR, looks_like_script, parse_script
from soundstage.script.writing import CancelCheck, DirectorWriter, Writer

__all__ = ["ReferenceRoles", "build_script", "choose_mode", "reference_roles"]

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
    spoken = " ".join(strip_mentions(text).split())
    if not spoken:
        raise InvalidInput("prompt: nothing is left to speak once the @Audio references are taken out",
                           field="prompt", value=text[:80])
    return Script(Mode.TEXT, (Line(NARRATOR, spoken),), (Speaker(NARRATOR),))


def _instruction(text: str, writer: Writer, image: str | None, seed: int, log: Callable[[str, str], None],
                 cancelled: CancelCheck | None) -> Script:
    brief = make_brief(text, image)
    log(f"writing the script: {writer.describe()}", "INFO")
    try:
        return writer.write(brief, seed, log, cancelled)
    except AppFailed as e:
        log(f"{e}; using the offline director instead", "WARN")
        return DirectorWriter(f"the writer failed: {e}").write(brief, seed, log)


def build_script(inp: SeedAudioInput, roles: ReferenceRoles, writer: Writer, image: str | None,
                 log: Callable[[str, str], None], seed: int = 0,
                 cancelled: CancelCheck | None = None) -> Script:
    """``writer`` writes instruction prompts (``DirectorWriter()`` for none) and, when it can, judges prompts
    the intent heuristic is unsure of."""
    decision = choose_mode(inp, roles.text, writer.judge())
    _log_decision(decision, log)
    mode = decision.mode
    if mode is Mode.SCRIPT:
        script = parse_script(roles.text)
    elif mode is Mode.INSTRUCTION:
        script = _instruction(roles.text, writer, image, seed, log, cancelled)
    else:
        script = _text_script(roles.text)
    if image and mode is not Mode.INSTRUCTION and not script.setting:
        script = replace(script, setting=image.lower())
    extra = tuple(Cue(kind, f"@Audio{n}", reference=n) for n, kind in roles.sounds)
    return replace(script, items=(*extra, *script.items)) if extra else script
