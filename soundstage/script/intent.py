"""Is a prompt an instruction (a request to make something) or text to read aloud?

An instruction is read aloud only over the user's explicit ``mode: text``: reading a request to
itself aloud is the worst output the app can give, worse than silence. So the decision does not rest
on a list of production nouns ("drama", "story") that a new phrasing escapes. It reads the prompt's
shape instead:

1. **Address.** Does the prompt open by asking the system for something (an imperative such as write,
   generate, make; "give me", "I want", "can you ..."; 写, 生成, 来一段, 给我; escribe, cuéntame) or,
   in Japanese, close with a request form (を書いて, を作ってください)? Without that it is text.
2. **Object.** What follows the verb: an indefinite object ("a ...", "一段", "una") can name something to
   be produced; a possessive, pronoun, particle or adverb ("your ticket", "yourself", "down", "soon",
   "sure") makes it ordinary speech ("Make sure you lock the door.").
3. **Traits of requested content** anywhere after the verb: participants ("between X and Y", "two
   astronauts bickering", "told by"), a topic ("about", 关于, sobre, について), a length ("30-second",
   "short", 三十秒), a tone, a style or audio elements, a setting, a known genre. A known genre is one
   trait among these, never required.
4. **Speech marks against**: reported speech (", she said"), a trailing remark (", I'm almost ready"),
   a purpose or time clause ("to continue", "when you land").

The score gives a decision with a confidence. When the heuristic is unsure and a ``Judge`` (a writer
model) is available, the judge decides; otherwise the heuristic's side of the threshold stands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from soundstage.errors import AppFailed
from soundstage.script.intent_rules import read_prompt
from soundstage.script.model import Mode

__all__ = ["SURE", "THRESHOLD", "Decision", "Judge", "classify"]

THRESHOLD = 2.0  # score at which a prompt becomes an instruction: a making verb and "a ..." alone reach it,
# so a bare "Write a limerick." is not read aloud (an instruction read aloud is worse than silence)
SLOPE = 2.0  # logistic slope: one trait (score 1) moves confidence from 0.5 to about 0.88
SURE = 0.8  # below this confidence a judge, when there is one, decides


@dataclass(frozen=True)
class Decision:
    """How a prompt is read, why, and how sure the reader is (0.5 = a coin toss, 1.0 = certain)."""

    mode: Mode
    reason: str
    confidence: float

    def describe(self) -> str:
        """For the job log:
        ``instruction: opens with 'Write a short sketch of ...' ... (confidence 0.97)``."""
        return f"{self.mode.value}: {self.reason} (confidence {self.confidence:.2f})"


class Judge(Protocol):
    """Decides a prompt the heuristic is unsure of; in practice a writer model asked for a verdict.

    Contract: returns a Decision whose mode is ``Mode.TEXT`` or ``Mode.INSTRUCTION`` with a short reason;
    raises ``soundstage.errors.AppFailed`` when it cannot answer (the caller keeps the heuristic's decision
    and logs why). It sees only the prompt text and must not have side effects.
    """

    def __call__(self, prompt: str) -> Decision: ...


def _heuristic(prompt: str) -> Decision:
    reading = read_prompt(prompt)
    if not reading.opener:
        return Decision(Mode.TEXT, "does not open by asking for something to be made", 0.95)
    if reading.blocked:
        return Decision(Mode.TEXT, f"{reading.opener}, but {reading.blocked}", 0.9)
    p = 1.0 / (1.0 + math.exp(-SLOPE * (reading.score - THRESHOLD)))
    traits = ", ".join(reading.traits)
    against = "; ".join(reading.against)
    if p >= 0.5:
        reason = (f"{reading.opener} and asks for"
                  f" {traits or 'something to be made, with nothing more to go on'}")
        return Decision(Mode.INSTRUCTION, reason + (f" (despite {against})" if against else ""), round(p, 2))
    reason = (f"{reading.opener}, but does not describe content to"
              f" make{' (only ' + traits + ')' if traits else ''}{'; ' + against if against else ''}")
    return Decision(Mode.TEXT, reason, round(1.0 - p, 2))


def classify(prompt: str, judge: Judge | None = None) -> Decision:
    """Text or instruction (script detection comes first and is not this module's business)."""
    decision = _heuristic(prompt)
    if judge is None or decision.confidence >= SURE:
        return decision
    try:
        verdict = judge(prompt)
    except AppFailed as e:
        return Decision(decision.mode, f"{decision.reason}; the writer model could not judge: {e}",
                        decision.confidence)
    return Decision(verdict.mode, f"judged by the writer model: {verdict.reason}; the heuristic was unsure"
                    f" ({decision.describe()})", verdict.confidence)
