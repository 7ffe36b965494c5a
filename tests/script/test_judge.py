"""The writer model as the judge of unsure prompts, against a loopback OpenAI-compatible endpoint (it returns
fixed answers: the request, the validation and the fallback are what is tested)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from soundstage.errors import AppFailed
from soundstage.script.intent import classify
from soundstage.script.judge import JUDGE_CONFIDENCE, WriterJudge
from soundstage.script.model import Mode
from soundstage.script.writer import WriterConfig
from tests.support.chat import ChatEndpoint


@pytest.fixture
def chat() -> Iterator[ChatEndpoint]:
    with ChatEndpoint() as endpoint:
        yield endpoint


def test_verdict_is_asked_with_a_schema_and_becomes_a_decision(chat: ChatEndpoint) -> None:
    chat.answers.append(json.dumps({"instruction": True, "reason": "asks for a new limerick"}))
    decision = WriterJudge(WriterConfig(url=chat.url, model="m"))("Write a limerick.")
    assert decision.mode is Mode.INSTRUCTION and decision.confidence == JUDGE_CONFIDENCE
    assert decision.reason == "asks for a new limerick"
    body = chat.requests[0]
    assert chat.schemas() == ["verdict"]
    assert body["messages"][1] == {"role": "user", "content": "Write a limerick."}  # type: ignore[index]


def test_an_unusable_verdict_is_an_error_and_classify_keeps_the_heuristic(chat: ChatEndpoint) -> None:
    chat.answers.append("{\"instruction\": \"maybe\"}")
    with pytest.raises(AppFailed, match="verdict could not be used"):
        WriterJudge(WriterConfig(url=chat.url))("Write a limerick.")
    chat.answers.append("not json")
    decision = classify("Write a limerick.", WriterJudge(WriterConfig(url=chat.url)))
    assert decision.mode is Mode.INSTRUCTION  # the heuristic's side: an unsure request is not read aloud
    assert "the writer model could not judge" in decision.reason
