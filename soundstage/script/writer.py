"""The script a writer model answers with (``WrittenScript``, one JSON schema for every writer), and the
client of an OpenAI-compatible chat endpoint that writes it.

The endpoint is configured with ``SOUNDSTAGE_WRITER_URL`` (the API base, e.g. ``http://host:8080/v1``),
``SOUNDSTAGE_WRITER_MODEL`` and ``SOUNDSTAGE_WRITER_KEY``; the embedded model (``soundstage.script.embedded``)
answers with the same schema. An answer must validate against ``WrittenScript``; anything else is an error
the caller reports (and falls back from), never trusted, and never read aloud.
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

__all__ = ["SYSTEM", "WriterConfig", "WrittenScript", "parse_written", "to_script", "write_script"]

TIMEOUT_SECONDS = 120.0
TEMPERATURE = 0.7
# One short script in the schema's own compact form: small models follow an example far better than a
# description (measured with the embedded 1.5B model: without it, three lines and no sounds).
EXAMPLE = json.dumps({
    "title": "Shortcut", "setting": "forest at dusk", "ambience": "wind in the trees",
    "music": "light playful music",
    "speakers": [{"name": "Ben", "gender": "male", "age": "adult"},
                 {"name": "Lucy", "gender": "female", "age": "adult"}],
    "items": [
        {"type": "line", "speaker": "Ben", "text": "Trust me, this is a shortcut.", "direction": "confident"},
        {"type": "cue", "kind": "sfx", "description": "twig snapping"},
        {"type": "line", "speaker": "Lucy", "text": "You said that an hour ago.", "direction": "dry"},
        {"type": "line", "speaker": "Ben", "text": "And I was right an hour ago, too."},
        {"type": "pause", "seconds": 1},
        {"type": "line", "speaker": "Lucy", "text": "Ben. That is our car.", "direction": "flat"},
        {"type": "line", "speaker": "Ben", "text": "See? A shortcut back to the start.",
         "direction": "proud"},
    ]}, ensure_ascii=False, separators=(",", ":"))
SYSTEM = (
    "You write short radio dramas and design their sound. Answer with one JSON object: a title, the setting, "
    "the ambience (what the place sounds like), the music mood, the speakers (name, gender, age), and the"
    " items in order: spoken lines (speaker, text, direction such as \"whispering\" or \"nervous\"), spot"
    " sounds (cue kind \"sfx\", e.g. \"door chime\", \"footsteps\") and short pauses (0.5 to 2 seconds).\n"
    "Rules: every speaker speaks; lines are natural dialogue, never stage directions or narration; no line "
    "repeats another; never restate the request; write the lines in the language the request asks for.\n"
    f"Example, for \"a comic sketch about two friends lost in a forest at dusk\":\n{EXAMPLE}"
)


class WrittenSpeaker(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    gender: Literal["female", "male", "unknown"] = "unknown"
    age: Literal["child", "young", "adult", "old", "unknown"] = "unknown"


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
    ambience: str = Field(default="", max_length=200)
    """What the place sounds like: a bed under the whole scene (a cue in ``items`` may change it)."""
    music: str = Field(default="", max_length=100)
    """The music bed's mood ("tense suspense drone"); empty: no music."""
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


def _beds(written: WrittenScript) -> tuple[Item, ...]:
    beds = [Cue(CueKind.AMBIENCE, written.ambience.strip())] if written.ambience.strip() else []
    return (*beds, *([Cue(CueKind.MUSIC, written.music.strip())] if written.music.strip() else []))


def to_script(written: WrittenScript, note: str = "script written by the configured writer model") -> Script:
    items = (*_beds(written), *(_item(i) for i in written.items))
    known = {s.name: s for s in written.speakers}
    names = list(dict.fromkeys(i.speaker for i in items if isinstance(i, Line)))
    speakers = tuple(Speaker(name=n, gender=_hint(known[n].gender) if n in known else None,
                             age=_hint(known[n].age) if n in known else None) for n in names)
    return Script(mode=Mode.INSTRUCTION, items=items, speakers=speakers, title=written.title,
                  setting=written.setting.lower(), notes=(note,))


def _hint(value: str) -> str | None:
    return None if value == "unknown" else value


def parse_written(content: str) -> WrittenScript:
    """The model's answer as a validated ``WrittenScript``; ``AppFailed`` naming what was wrong otherwise."""
    try:
        return WrittenScript.model_validate(json.loads(content))
    except (json.JSONDecodeError, ValidationError) as e:
        raise AppFailed(f"the writer model's answer could not be used: {type(e).__name__}: {e}") from e


def write_script(instruction: str, config: WriterConfig, client: httpx.Client | None = None,
                 seed: int | None = None) -> Script:
    """``instruction`` is the user's message as sent (``soundstage.script.brief`` makes one from a
    request)."""
    body: dict[str, object] = {
        "model": config.model,
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": instruction}],
        "response_format": {"type": "json_schema", "json_schema": {
            "name": "script", "strict": False, "schema": WrittenScript.model_json_schema()}},
        "temperature": TEMPERATURE,
        **({"seed": seed} if seed is not None else {}),
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
