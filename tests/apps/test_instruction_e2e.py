"""Issue 14 end to end through fal-client: an instruction is never read aloud.

Each instruction from the issue is rendered by a real server with no writer model, the audio is run
through the shared recognizer (Whisper base), and the transcript must share no 4-word sequence with the
instruction (for Mandarin: no 4-character sequence, punctuation removed, traditional characters
converted). A control renders the same prompts with ``mode: text`` and finds them, so a deaf
recognizer cannot pass the test.
"""

from __future__ import annotations

import unicodedata

import fal_client
import httpx
import pytest

from soundstage.audio.codecs import AudioFormat, decode
from tests.script.test_intent import ISSUE_14
from tests.support.recognizer import Recognizer

pytestmark = pytest.mark.slow

APP = "bytedance/seed-audio-1.0"
N = 4  # words (characters for Mandarin) in a shared sequence that counts as reading the prompt aloud


def _is_mandarin(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def _units(text: str) -> list[str]:
    """Words, or for Mandarin characters (simplified), with punctuation removed and case folded."""
    import zhconv

    kept = "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in text.lower())
    if _is_mandarin(text):
        return [c for c in zhconv.convert(kept, "zh-cn") if not c.isspace()]
    return kept.split()


def shared_sequences(prompt: str, heard: str) -> set[tuple[str, ...]]:
    def grams(units: list[str]) -> set[tuple[str, ...]]:
        return {tuple(units[i:i + N]) for i in range(len(units) - N + 1)}
    return grams(_units(prompt)) & grams(_units(heard))


def render_and_hear(client: fal_client.SyncClient, recognizer: Recognizer, prompt: str,
                    **arguments: object) -> tuple[dict, str, list[str]]:
    handle = client.submit(APP, arguments={"prompt": prompt, "output_format": "wav", "seed": 14, **arguments})
    result = handle.get()
    data = httpx.get(result["audio"]["url"]).content
    audio = decode(data, AudioFormat.WAV)
    language = "zh" if _is_mandarin(prompt) else "en"
    heard = recognizer.transcribe(audio.mono(), audio.rate, language)
    status = handle.status(with_logs=True)
    assert isinstance(status, fal_client.Completed)
    logs = [line["message"] for line in status.logs or []]
    return result, heard, logs


def test_shared_sequences_counts_words_and_characters() -> None:
    assert shared_sequences("Write a short sketch of two", "I'll write a short sketch!") == {
        ("write", "a", "short", "sketch")}
    assert shared_sequences("写一个关于外卖员的小品", "寫一個關於外賣") == {
        ("写", "一", "个", "关"), ("一", "个", "关", "于"), ("个", "关", "于", "外"),
        ("关", "于", "外", "卖")}
    assert shared_sequences("Generate an argument", "Generate an argument") == set()  # fewer than N words


@pytest.mark.parametrize("prompt", ISSUE_14)
def test_instruction_is_not_read_aloud(seed_client: fal_client.SyncClient, recognizer: Recognizer,
                                       prompt: str) -> None:
    result, heard, logs = render_and_hear(seed_client, recognizer, prompt)
    print(f"\n{prompt!r}: heard {heard!r}")
    assert result["mode"] == "instruction"
    assert any(m.startswith("mode chosen: instruction: opens with '") for m in logs), logs
    assert shared_sequences(prompt, heard) == set(), heard


@pytest.mark.parametrize("prompt", [ISSUE_14[0], ISSUE_14[3]])
def test_control_the_same_prompt_read_as_text_is_heard(seed_client: fal_client.SyncClient,
                                                       recognizer: Recognizer, prompt: str) -> None:
    result, heard, logs = render_and_hear(seed_client, recognizer, prompt, mode="text")
    print(f"\n{prompt!r} as text: heard {heard!r}")
    assert result["mode"] == "text"
    assert "mode chosen: text: set by the request's mode field (confidence 1.00)" in logs
    assert len(shared_sequences(prompt, heard)) >= 2, heard
