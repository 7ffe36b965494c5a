"""Issue 14 in the seed-audio app's prompt handling: the mode chosen and why is logged, `mode` overrides,
an instruction without a writer model is never spoken, and an unsure prompt goes to the writer as judge."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from soundstage.apps.seed_audio.prompting import build_script, choose_mode, reference_roles
from soundstage.apps.seed_audio.schema import SeedAudioInput
from soundstage.script.model import Mode
from soundstage.script.writer import WriterConfig
from soundstage.script.writing import DirectorWriter, EndpointWriter, Writer
from tests.script.test_intent import ISSUE_14
from tests.support.chat import ChatEndpoint

Logged = list[tuple[str, str]]


@pytest.fixture
def chat() -> Iterator[ChatEndpoint]:
    with ChatEndpoint() as endpoint:
        yield endpoint


def _build(prompt: str, writer: Writer | None = None,
           **fields: object) -> tuple[Mode, tuple[str, ...], Logged]:
    inp = SeedAudioInput(prompt=prompt, **fields)  # type: ignore[arg-type]
    logged: Logged = []
    script = build_script(inp, reference_roles(prompt, 0), writer or DirectorWriter(), None,
                          lambda m, level: logged.append((m, level)))
    return script.mode, tuple(line.text for line in script.lines), logged


def test_each_issue_prompt_is_an_instruction_and_nothing_of_it_is_spoken() -> None:
    for prompt in ISSUE_14:
        mode, spoken, logged = _build(prompt)
        assert mode is Mode.INSTRUCTION and spoken == (), prompt
        assert logged[0][0].startswith("mode chosen: instruction: opens with '"), logged
    _, _, logged = _build(ISSUE_14[0])
    assert logged[0][0].startswith("mode chosen: instruction: opens with 'Write a short sketch of ...'")


def test_mode_overrides_and_says_so() -> None:
    mode, spoken, logged = _build(ISSUE_14[0], mode="text")
    assert mode is Mode.TEXT and spoken == (ISSUE_14[0],)
    assert logged == [("mode chosen: text: set by the request's mode field (confidence 1.00)", "INFO")]
    decision = choose_mode(SeedAudioInput(prompt="Make sure you lock the door.",
                                          mode="instruction"),  # type: ignore[arg-type]
                           "Make sure you lock the door.")
    assert decision.mode is Mode.INSTRUCTION


def test_plain_text_that_starts_with_a_verb_is_spoken() -> None:
    mode, spoken, logged = _build("Write to me soon, she said.")
    assert mode is Mode.TEXT and spoken == ("Write to me soon, she said.",)
    assert "but what follows ('to') is not something to make" in logged[0][0]


def test_an_unsure_prompt_is_judged_by_the_writer_which_then_writes(chat: ChatEndpoint) -> None:
    chat.answers.append(json.dumps({"instruction": True, "reason": "asks for a new limerick"}))
    chat.answers.append(json.dumps({"speakers": [{"name": "Poet"}], "items": [
        {"type": "line", "speaker": "Poet", "text": "There once was a cat from Peru."}]}))
    mode, spoken, logged = _build("Write a limerick.", EndpointWriter(WriterConfig(url=chat.url)))
    assert chat.schemas() == ["verdict", "script"]
    assert mode is Mode.INSTRUCTION and spoken == ("There once was a cat from Peru.",)
    assert logged[0][0].startswith("mode chosen: instruction: judged by the writer model: asks for a new"
                                   " limerick")
