"""The embedded writer's plumbing, run for real on a tiny model (SmolLM2-135M, tests/support/tiny_writer.py):
grammar-constrained answers always parse, the same seed gives the same answer, a cancelled job stops within
moments, the judge is offered only once the model is loaded. The quality of what the real writer writes is
tested in tests/apps/test_writer_e2e.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from soundstage.errors import AppFailed, Cancelled
from soundstage.script.brief import make_brief
from soundstage.script.embedded import EmbeddedConfig, EmbeddedWriter
from soundstage.script.model import Mode
from soundstage.script.writer import parse_written
from tests.support.tiny_writer import tiny_model

BRIEF = replace(make_brief("Write a short comedy sketch about two cats in a kitchen"), lines=(2, 4))


@pytest.fixture(scope="module")
def writer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedWriter]:
    model = tiny_model()
    yield EmbeddedWriter(EmbeddedConfig(tmp_path_factory.mktemp("models"), model, threads=1))


def test_the_judge_waits_for_the_model_and_the_answer_always_parses(writer: EmbeddedWriter) -> None:
    assert writer.judge() is None  # never loaded just to judge
    logged: list[tuple[str, str]] = []
    answer = writer.draft(BRIEF, 5, lambda m, level: logged.append((m, level)))
    written = parse_written(answer.content)  # the grammar's promise: valid JSON of the writer's schema
    assert written.title and written.speakers and len(written.items) >= BRIEF.lines[0] + 1
    assert " " not in answer.content[:2] and "\n" not in answer.content  # compact: no optional whitespace
    assert logged[0][0].startswith("writer model loaded in ") and logged[-1][0].startswith("written: ")
    assert answer.tokens > 0 and answer.prompt_tokens > 0 and answer.tokens_per_second > 0
    judge = writer.judge()
    assert judge is not None and judge("Write a limerick about a cat.").mode in (Mode.TEXT, Mode.INSTRUCTION)


def test_the_same_seed_writes_the_same_answer(writer: EmbeddedWriter) -> None:
    first = writer.draft(BRIEF, 7).content
    assert writer.draft(BRIEF, 7).content == first


def test_a_tiny_models_draft_is_used_or_rejected_with_reasons(writer: EmbeddedWriter) -> None:
    logged: list[tuple[str, str]] = []
    try:
        script = writer.write(BRIEF, 3, lambda m, level: logged.append((m, level)))
    except AppFailed as e:
        assert str(e).startswith("the embedded writer's drafts were rejected: ")
        rejected = [m for m, level in logged if level == "WARN"]
        assert len(rejected) == 2 and rejected[0].endswith("writing it again with the next seed")
    else:
        assert len(script.lines) >= 4 and script.notes == (
            "script written by the embedded writer model (smollm2-135m-instruct-q4_1.gguf)",)


def test_a_cancelled_job_stops_writing_within_moments(writer: EmbeddedWriter) -> None:
    started = time.monotonic()
    with pytest.raises(Cancelled):
        writer.draft(replace(BRIEF, lines=(20, 24)), 1, cancelled=lambda: time.monotonic() - started > 0.5)
    assert time.monotonic() - started < 5.0


def test_a_missing_model_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(AppFailed, match="does not exist"):
        EmbeddedWriter(EmbeddedConfig(tmp_path, tmp_path / "none.gguf")).load()
