"""A writer model as the ``Judge`` of prompts the intent heuristic is unsure of.

It asks the configured OpenAI-compatible endpoint (the same one that writes scripts) for a verdict as
JSON, validated against ``Verdict``; anything else raises ``AppFailed``, and the caller keeps the
heuristic's decision. An embedded writer model can stand behind the same endpoint shape later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
from pydantic import BaseModel, Field, ValidationError

from soundstage.errors import AppFailed
from soundstage.script.intent import Decision
from soundstage.script.model import Mode
from soundstage.script.writer import WriterConfig

__all__ = ["JUDGE_CONFIDENCE", "Verdict", "WriterJudge"]

TIMEOUT_SECONDS = 30.0  # a one-line verdict; the script itself gets the writer's longer timeout
JUDGE_CONFIDENCE = 0.85  # a model's verdict is trusted over an unsure heuristic, not treated as certain
SYSTEM = (
    "You sort prompts sent to a text-to-speech and audio-production service. A prompt is an instruction when "
    "it asks the service to make content that it does not itself contain (a scene, a dialogue, a story, an"
    " ad, a sketch, a soundscape, in any language and any phrasing). It is text when it is the words to be"
    " read aloud as written, even if it starts with a verb ('Make sure you lock the door.', 'Write to me"
    " soon, she said.'). Reply with JSON only: instruction true or false, and a reason of a few words."
)


class Verdict(BaseModel):
    instruction: bool
    reason: str = Field(default="", max_length=300)


@dataclass(frozen=True)
class WriterJudge:
    """Satisfies ``soundstage.script.intent.Judge``; one short chat request per call."""

    config: WriterConfig
    client: httpx.Client | None = None

    def __call__(self, prompt: str) -> Decision:
        body = {
            "model": self.config.model,
            "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}],
            "response_format": {"type": "json_schema", "json_schema": {
                "name": "verdict", "strict": True, "schema": Verdict.model_json_schema()}},
            "temperature": 0.0,
        }
        headers = {"Authorization": f"Bearer {self.config.key}"} if self.config.key else {}
        client = self.client or httpx.Client(timeout=TIMEOUT_SECONDS, trust_env=False)
        try:
            response = client.post(f"{self.config.url.rstrip('/')}/chat/completions", json=body,
                                   headers=headers)
            response.raise_for_status()
            verdict = Verdict.model_validate(json.loads(response.json()["choices"][0]["message"]["content"]))
        except (httpx.HTTPError, KeyError, IndexError, TypeError, json.JSONDecodeError, ValidationError) as e:
            raise AppFailed(f"the writer model's verdict could not be used: {type(e).__name__}: {e}") from e
        finally:
            if self.client is None:
                client.close()
        mode = Mode.INSTRUCTION if verdict.instruction else Mode.TEXT
        return Decision(mode, verdict.reason.strip() or "no reason given", JUDGE_CONFIDENCE)
