"""The ``Writer`` seam: an instruction's brief becomes a Script. Three backends, chosen in ``services.py``.

- ``EndpointWriter``: a configured OpenAI-compatible chat endpoint (``SOUNDSTAGE_WRITER_URL``), preferred
  when set;
- ``soundstage.script.embedded.EmbeddedWriter``: a small instruction model run in the worker (the default
  when no endpoint is set);
- ``DirectorWriter``: the offline director, which writes no dialogue (``SOUNDSTAGE_WRITER=off``).

Every writer answers with the schema of ``soundstage.script.writer.WrittenScript``; ``finish`` then fits the
draft to the brief (the setting as the instruction names it, a music bed for the genre).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from soundstage.script.brief import Brief
from soundstage.script.director import direct
from soundstage.script.intent import Judge
from soundstage.script.judge import WriterJudge
from soundstage.script.model import Cue, CueKind, Script
from soundstage.script.writer import WriterConfig, write_script

__all__ = ["CancelCheck", "DirectorWriter", "EndpointWriter", "Log", "Writer", "finish"]

Log = Callable[[str, str], None]
"""log(message, level): the job's log ("INFO", "WARN")."""
CancelCheck = Callable[[], bool]
"""True once the job was cancelled: a writer stops, raising ``soundstage.errors.Cancelled``."""


class Writer(Protocol):
    """Writes the script an instruction asks for.

    Contract: ``write`` returns a ``Mode.INSTRUCTION`` script whose lines are new dialogue (never the
    instruction read aloud) or raises ``soundstage.errors.AppFailed`` saying why; the caller then uses the
    offline director and logs the reason. It may log progress (a first-use download, a rejected draft) and
    must be safe to call from any thread (a worker's apps share one writer). The same ``seed`` gives the
    same script. ``judge`` is a ``Judge`` of prompts the intent heuristic is unsure of, or None when this
    writer cannot judge cheaply right now.
    """

    def describe(self) -> str:
        """For the job log: which writer this is."""
        ...

    def write(self, brief: Brief, seed: int, log: Log, cancelled: CancelCheck | None = None) -> Script: ...

    def judge(self) -> Judge | None: ...


def finish(script: Script, brief: Brief) -> Script:
    """A writer's draft fitted to the brief: the setting as the instruction names it (the sound lexicon
    knows those words; a model may paraphrase), and the genre's music bed when the draft has none."""
    setting = brief.setting.lower() or script.setting
    music = () if brief.mood is None or any(c.kind is CueKind.MUSIC for c in script.cues) else (
        Cue(CueKind.MUSIC, brief.mood),)
    return replace(script, setting=setting, items=(*music, *script.items))


@dataclass(frozen=True)
class EndpointWriter:
    """The configured OpenAI-compatible endpoint; it also judges unsure prompts (one short request)."""

    config: WriterConfig

    def describe(self) -> str:
        return f"the writer endpoint {self.config.url} (model {self.config.model})"

    def write(self, brief: Brief, seed: int, log: Log, cancelled: CancelCheck | None = None) -> Script:
        del log, cancelled
        return finish(write_script(brief.message(), self.config, seed=seed), brief)

    def judge(self) -> Judge | None:
        return WriterJudge(self.config)


@dataclass(frozen=True)
class DirectorWriter:
    """No model: the offline director builds the scene from the instruction's own words, and says why."""

    reason: str = "the writer is off (SOUNDSTAGE_WRITER=off)"

    def describe(self) -> str:
        return f"the offline director ({self.reason})"

    def write(self, brief: Brief, seed: int, log: Log, cancelled: CancelCheck | None = None) -> Script:
        del seed, log, cancelled
        script = direct(brief.instruction)
        if brief.scene and not script.setting:
            scene = brief.scene.lower()
            script = replace(script, setting=scene, items=(Cue(CueKind.AMBIENCE, scene), *script.items))
        return replace(script, notes=(*script.notes, self.reason))

    def judge(self) -> Judge | None:
        return None
