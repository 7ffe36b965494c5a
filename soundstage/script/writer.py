"""The writer: an OpenAI-compatible chat endpoint turns an instruction into a script, as JSON.

Configured with ``SOUNDSTAGE_WRITER_URL`` (the API base, e.g. ``http://host:8080/v1``),
``SOUNDSTAGE_WRITER_MODEL`` and ``SOUNDSTAGE_WRITER_KEY``. The answer must validate against
``WrittenScript``; anything else is an error the caller reports (and falls back from), never trusted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Literal

import httpx
from pydantic import BaseModel, Field, ValidationError

from soundstage.errors import AppFailed
from soundstage.script.directions import apply_direction
from soundstage.script.model import Cue, CueKind, Delivery, Item, Line, Mode, Pause, Script, Speaker

__all__ = ["WriterConfig", "WrittenScript", "to_script", "write_script"]

TIMEOUT_SECONDS = 120.0
SYSTEM = (
    "You are a radio-drama writer and sound designer. Turn the user's request into a short production "
    "script. Reply with JSON only, matching the given schema: speakers with a name and gender; items in order, "
    "each a spoken line (speaker, text, optional direction such as 'whispering'), a pause in seconds, or a "
    "sound cue (kind sfx for a spot sound, ambience for a bed, music for a music bed, with a plain description "
    "such as 'door chime' or 'rain on the window'). Write in the language of the request."
)


class WrittenSpeaker(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    gender: Literal["female", "male", "unknown"] = "unknown"


class WrittenLine(BaseModel):
    type: Literal["line"]
    speaker: str = Field(min_length=1, max_length=40)
    text: str = Field(min_length=1, max_length=2000)
    direction: str | None = Field(default=None, max_length=60)


class WrittenPause(BaseModel):
    type: Literal["pause"]
    seconds: float = Field(gt=0, le=10)


class WrittenCue(BaseModel):
    type: Literal["cue"]
    kind: Literal["sfx", "ambience", "music"]
    description: str = Field(min_length=1, max_length=200)


class WrittenScript(BaseModel):
    title: str = Field(default="", max_length=200)
    setting: str = Field(default="", max_length=200)
    speakers: list[WrittenSpeaker] = Field(max_length=8)
    items: list[Annotated[WrittenLine | WrittenPause | WrittenCue, Field(discriminator="type")]] = Field(
        min_length=1, max_length=400)


@dataclass(frozen=True)
class WriterConfig:
    url: str
    model: str = "default"
    key: str = ""


def _item(item: WrittenLine | WrittenPause | WrittenCue) -> Item:
    if isinstance(item, WrittenPause):
        return Pause(item.seconds)
    if isinstance(item, WrittenCue):
        return Cue(CueKind(item.kind), item.description)
    delivery = apply_direction(Delivery(), item.direction)[0] if item.direction else Delivery()
    return Line(speaker=item.speaker, text=item.text, delivery=delivery)


def to_script(written: WrittenScript) -> Script:
    items = tuple(_item(i) for i in written.items)
    genders = {s.name: None if s.gender == "unknown" else s.gender for s in written.speakers}
    names = list(dict.fromkeys(i.speaker for i in items if isinstance(i, Line)))
    speakers = tuple(Speaker(name=n, gender=genders.get(n)) for n in names)
    return Script(mode=Mode.INSTRUCTION, items=items, speakers=speakers, title=written.title,
                  setting=written.setting.lower(), notes=("script written by the configured writer model",))


def write_script(instruction: str, config: WriterConfig, client: httpx.Client | None = None) -> Script:
    body = {
        "model": config.model,
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": instruction}],
        "response_format": {"type": "json_schema", "json_schema": {
            "name": "script", "strict": False, "schema": WrittenScript.model_json_schema()}},
        "temperature": 0.7,
    }
    headers = {"Authorization": f"Bearer {config.key}"} if config.key else {}
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT_SECONDS, trust_env=False)
    try:
        response = client.post(f"{config.url.rstrip('/')}/chat/completions", json=body, headers=headers)
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
        return to_script(WrittenScript.model_validate(json.loads(content)))
    except (httpx.HTTPError, KeyError, IndexError, TypeError, json.JSONDecodeError, ValidationError) as e:
        raise AppFailed(f"the writer model's answer could not be used: {type(e).__name__}: {e}") from e
    finally:
        if own:
            client.close()
