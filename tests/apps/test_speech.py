"""Issue 12: OpenAI-compatible speech, driven by the official ``openai`` SDK, and the speech app's stream.

Every output is decoded; one is read back by the recognizer. The server is real (queue, worker, Kokoro).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Literal

import fal_client
import httpx
import openai
import pytest

from soundstage.audio.codecs import AudioFormat, decode
from tests.support.recognizer import Recognizer, wer
from tests.support.server import TEST_KEY, Server

pytestmark = [pytest.mark.slow]

TEXT = "Welcome back, everyone. Tonight we sail out past the harbour lights. Stay with us."
RATE = 24_000  # Hz: pcm is 24 kHz 16-bit mono, as OpenAI's
MIN_SECONDS = 3.0  # the three sentences above last about five seconds
SHORT = "Hello there, from the harbour."  # about two seconds: enough to tell each format decodes
MAX_WER = 0.2


@pytest.fixture(scope="module")
def client(seed_server: Server) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{seed_server.url}/v1", api_key=TEST_KEY, timeout=300, max_retries=0) as c:
        c.audio.speech.create(model="tts-1", voice="alloy", input="Warm up.")  # the worker loads Kokoro once
        yield c


def test_models_and_voices(client: openai.OpenAI, seed_server: Server) -> None:
    assert {m.id for m in client.models.list()} == {"tts-1", "tts-1-hd", "gpt-4o-mini-tts", "kokoro"}
    assert client.models.retrieve("kokoro").owned_by == "soundstage"
    bearer = {"Authorization": f"Bearer {TEST_KEY}"}
    voices = httpx.get(f"{seed_server.url}/v1/audio/voices", headers=bearer).json()
    assert {"af_heart", "kian_en_zh"} <= set(voices["voices"])
    assert voices["openai_aliases"]["alloy"] == "af_alloy"


Format = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]


@pytest.mark.parametrize("fmt", ["mp3", "opus", "aac", "flac", "wav", "pcm"])
def test_every_format_decodes(client: openai.OpenAI, fmt: Format) -> None:
    response = client.audio.speech.create(model="gpt-4o-mini-tts", voice="nova", input=SHORT,
                                          response_format=fmt)
    audio = decode(response.content, AudioFormat.PCM if fmt == "pcm" else None, RATE)
    assert audio.duration > 1.0 and audio.samples.std() > 0.01, (fmt, audio.duration)


def test_speech_is_heard_as_written(client: openai.OpenAI, recognizer: Recognizer) -> None:
    response = client.audio.speech.create(model="tts-1", voice="af_heart", input=TEXT, speed=1.2)
    audio = decode(response.content)
    heard = recognizer.transcribe(audio.mono(), audio.rate, "en")
    assert wer(TEXT, heard) <= MAX_WER, heard


def test_streaming_response_starts_before_the_end(client: openai.OpenAI) -> None:
    started = time.perf_counter()
    arrivals: list[tuple[float, int]] = []
    with client.audio.speech.with_streaming_response.create(model="kokoro", voice="am_echo", input=TEXT,
                                                            response_format="pcm") as response:
        assert response.headers["content-type"].startswith("audio/pcm")
        for part in response.iter_bytes():
            arrivals.append((time.perf_counter() - started, len(part)))
    data_bytes = sum(n for _, n in arrivals)
    assert data_bytes / 2 / RATE > MIN_SECONDS
    first, last = arrivals[0][0], arrivals[-1][0]
    assert first < last, arrivals  # the first phrase came out while the rest was still being made


def test_sse_stream_format(client: openai.OpenAI) -> None:
    with client.audio.speech.with_streaming_response.create(model="tts-1", voice="bm_fable+bf_emma",
                                                            input=TEXT, stream_format="sse") as r:
        events = [json.loads(line[5:]) for line in r.iter_lines() if line.startswith("data:")]
    assert {e["type"] for e in events[:-1]} == {"speech.audio.delta"}
    assert events[-1]["type"] == "speech.audio.done"
    audio = decode(b"".join(base64.b64decode(e["audio"]) for e in events[:-1]))
    assert audio.duration > MIN_SECONDS and events[-1]["usage"]["total_tokens"] > 0


@pytest.mark.parametrize(("body", "param", "words"), [
    ({"voice": "nobody"}, "voice", "known voices"),
    ({"voice": "af_heart(2)+zz_none"}, "voice", "not a Kokoro voice"),
    ({"speed": 3.0}, "speed", "2"),
    ({"model": "whisper-1"}, "model", "models: tts-1"),
    ({"response_format": "ogg"}, "response_format", "mp3"),
])
def test_bad_requests_are_openai_errors(client: openai.OpenAI, body: dict[str, object], param: str,
                                        words: str) -> None:
    request = {"model": "tts-1", "voice": "alloy", "input": "Hello.", **body}
    with pytest.raises(openai.BadRequestError) as err:
        client.audio.speech.create(**request)  # type: ignore[arg-type]
    error = err.value.body
    assert isinstance(error, dict) and error["param"] == param and words in error["message"], error


def test_wrong_key_is_refused(seed_server: Server) -> None:
    other = openai.OpenAI(base_url=f"{seed_server.url}/v1", api_key="nope", max_retries=0)
    with other, pytest.raises(openai.AuthenticationError):
        other.audio.speech.create(model="tts-1", voice="alloy", input="Hello.")


def test_run_stream_carries_audio_first_phrase_first(seed_client: fal_client.SyncClient) -> None:
    arguments = {"input": TEXT, "voice": "kian_en_zh", "response_format": "wav", "stream": True}
    events = list(seed_client.stream("soundstage/speech", arguments=arguments))
    audio_events, final = events[:-1], events[-1]
    assert audio_events[0]["text"] == "Welcome back, everyone." and audio_events[-1]["final"] is True
    streamed = b"".join(base64.b64decode(e["data"]) for e in audio_events)
    assert decode(streamed).duration > MIN_SECONDS
    assert final["audio"]["content_type"] == "audio/wav" and final["voice"] == "kian_en_zh"
    assert final["audio"]["duration"] == pytest.approx(decode(streamed).duration, abs=1e-3)
