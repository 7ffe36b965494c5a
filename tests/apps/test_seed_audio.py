"""bytedance/seed-audio-1.0 end to end through the official Python client, outputs decoded and measured."""

from __future__ import annotations

import base64
import itertools
import sqlite3

import fal_client
import httpx
import numpy as np
import pytest

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.codecs import AudioFormat, decode, encode, probe
from soundstage.speech.embedding import cosine, load_speaker_encoder
from tests.support.server import Server

pytestmark = pytest.mark.slow

APP = "bytedance/seed-audio-1.0"
THREE = """ALICE: Good evening, and welcome to the show.
BOB: Thank you, it is good to be here tonight.
CAROL: I brought the records you asked for.
ALICE: Wonderful, let us play the first one right away.
BOB: I have been waiting all week for this moment.
CAROL: Then I will start with my favourite song."""


def fetch_audio(result: dict, fmt: str) -> tuple[bytes, dict]:
    audio = result["audio"]
    data = httpx.get(audio["url"]).content
    assert len(data) == audio["file_size"]
    return data, audio


def check_measured(data: bytes, audio: dict, fmt: str, rate: int) -> AudioBuffer:
    """The AudioFile fields agree with the decoded file."""
    measured = probe(data, AudioFormat(fmt), pcm_rate=rate, pcm_channels=audio["channels"])
    assert measured.sample_rate == audio["sample_rate"]
    assert measured.channels == audio["channels"]
    assert measured.duration == pytest.approx(audio["duration"], abs=1e-3)
    expected_rate = 48_000 if fmt == "ogg_opus" else rate
    assert audio["sample_rate"] == expected_rate
    return decode(data, AudioFormat(fmt), pcm_rate=rate, pcm_channels=audio["channels"])


def data_uri(buf: AudioBuffer, fmt: AudioFormat = AudioFormat.WAV) -> str:
    encoded = encode(buf, fmt, buf.rate)
    return f"data:{encoded.content_type};base64,{base64.b64encode(encoded.data).decode()}"


def test_text_mode_mono_speech(seed_client: fal_client.SyncClient) -> None:
    result = seed_client.run(APP, arguments={"prompt": "The library opens at nine in the morning.",
                                             "output_format": "wav", "timestamps": True, "seed": 3})
    data, audio = fetch_audio(result, "wav")
    buf = check_measured(data, audio, "wav", 24_000)
    assert result["mode"] == "text" and audio["channels"] == 1
    words = [w["word"].strip(".,").lower() for w in result["timestamps"]]
    assert "library" in words and "morning" in words
    assert result["timestamps"][-1]["end"] <= audio["duration"]
    assert np.sqrt(np.mean(buf.samples**2)) > 0.01


def test_script_mode_three_distinct_voices(seed_client: fal_client.SyncClient) -> None:
    result = seed_client.run(APP, arguments={"prompt": THREE, "output_format": "wav", "sample_rate": 24000,
                                             "timestamps": True, "seed": 11})
    data, audio = fetch_audio(result, "wav")
    buf = check_measured(data, audio, "wav", 24_000)
    assert result["mode"] == "script" and audio["channels"] == 2
    encoder = load_speaker_encoder()
    segments: dict[str, list[np.ndarray]] = {}
    for speaker, group in itertools.groupby(result["timestamps"], key=lambda w: w["speaker"]):
        words = list(group)
        a, b = int(words[0]["start"] * buf.rate), int(words[-1]["end"] * buf.rate)
        segments.setdefault(speaker, []).append(encoder.embed(AudioBuffer(buf.samples[a:b], buf.rate)))
    assert sorted(segments) == ["ALICE", "BOB", "CAROL"]
    within = [cosine(*v) for v in segments.values()]
    across = [cosine(segments[x][0], segments[y][0]) for x, y in itertools.combinations(segments, 2)]
    print("within", within, "across", across)
    assert min(within) > max(across) + 0.1, (within, across)


def test_instruction_mode_never_speaks_the_instruction(seed_client: fal_client.SyncClient) -> None:
    handle = seed_client.submit(APP, arguments={
        "prompt": "Generate a short suspense radio drama in a late-night convenience store.",
        "output_format": "ogg_opus", "sample_rate": 48000, "timestamps": True, "stems": True, "seed": 5})
    result = handle.get()
    data, audio = fetch_audio(result, "ogg_opus")
    buf = check_measured(data, audio, "ogg_opus", 48_000)
    assert result["mode"] == "instruction" and audio["channels"] == 2
    assert result["timestamps"] == []  # nothing was spoken
    assert {s["track"] for s in result["stems"]} >= {"ambience", "music"}
    assert "dialogue" not in {s["track"] for s in result["stems"]}
    assert audio["duration"] == pytest.approx(20.0, abs=0.05)
    assert np.sqrt(np.mean(buf.samples**2)) > 0.01  # a scene is there
    logs = [line["message"] for line in handle.status(with_logs=True).logs]
    assert any("no writer model is configured" in m for m in logs)


@pytest.mark.parametrize("fmt,rate", list(itertools.product(["wav", "mp3", "pcm", "ogg_opus"],
                                                            [8000, 16000, 24000, 32000, 44100, 48000])))
def test_every_format_and_rate(seed_client: fal_client.SyncClient, fmt: str, rate: int) -> None:
    result = seed_client.run(APP, arguments={"prompt": "Hi there.", "output_format": fmt,
                                             "sample_rate": str(rate), "seed": 1})
    data, audio = fetch_audio(result, fmt)
    check_measured(data, audio, fmt, rate)
    if fmt == "pcm":
        assert audio["content_type"] == f"audio/pcm;rate={rate};channels=1;format=s16le"


def test_seed_gives_identical_bytes(seed_client: fal_client.SyncClient) -> None:
    args = {"prompt": "[ambience: rain on the window]\nANNA: It is late.\nTOM: Then let us go.", "seed": 77}
    first = httpx.get(seed_client.run(APP, arguments=args)["audio"]["url"]).content
    second = httpx.get(seed_client.run(APP, arguments=args)["audio"]["url"]).content
    assert first == second


def test_reference_voice_is_closer_than_the_default(seed_client: fal_client.SyncClient) -> None:
    ref = seed_client.run(APP, arguments={
        "prompt": "This is my own voice, recorded for the reference clip today.", "voice": "bm_george",
        "output_format": "wav", "seed": 2})
    ref_buf = decode(httpx.get(ref["audio"]["url"]).content)
    text = "Good morning everyone, the train to the city leaves in ten minutes."
    default = seed_client.run(APP, arguments={"prompt": text, "output_format": "wav", "seed": 4})
    matched = seed_client.run(APP, arguments={"prompt": f"{text} In the voice of @Audio1.",
                                              "audio_urls": [data_uri(ref_buf)],
                                              "output_format": "wav", "seed": 4})
    encoder = load_speaker_encoder()
    target = encoder.embed(ref_buf)
    sim_default = cosine(target, encoder.embed(decode(httpx.get(default["audio"]["url"]).content)))
    sim_matched = cosine(target, encoder.embed(decode(httpx.get(matched["audio"]["url"]).content)))
    assert sim_matched > sim_default + 0.05, (sim_matched, sim_default)


def tone(seconds: float, rate: int = 24_000, channels: int = 1) -> AudioBuffer:
    t = np.arange(int(seconds * rate)) / rate
    mono = 0.2 * np.sin(2 * np.pi * 220 * t)
    return AudioBuffer(np.repeat(mono[:, None], channels, axis=1).astype(np.float32), rate)


def _jobs(server: Server) -> int:
    with sqlite3.connect(server.data_dir / "soundstage.db") as db:
        return int(db.execute("SELECT count(*) FROM jobs WHERE app_id = ?", (APP,)).fetchone()[0])


BAD = [
    ({"audio_urls": ["a", "b", "c", "d"]}, "audio_urls", "at most 3"),
    ({"audio_urls": ["CLIP31"]}, "audio_urls[0]", "30 s"),
    ({"audio_urls": ["CLIP11MB"]}, "audio_urls[0]", "10485760"),
    ({"audio_urls": ["data:audio/wav;base64," + base64.b64encode(b"RIFF0000WAVEjunk" * 50).decode()]},
     "audio_urls[0]", "not a readable"),
    ({"audio_urls": ["data:audio/mpeg;base64," + base64.b64encode(b"%PDF-1.4 not audio" * 40).decode()]},
     "audio_urls[0]", "not a readable"),
    ({"image_url": "https://example.com/a.png", "audio_urls": ["CLIP1"]}, "image_url", "cannot be combined"),
    ({"voice": "nobody_xx"}, "voice", "known voices"),
    ({"prompt": "Use @Audio3 here.", "audio_urls": ["CLIP1", "CLIP1"]}, "prompt", "@Audio3"),
    ({"pitch": 13}, "pitch", "less than or equal to 12"),
    ({"prompt": "   "}, "prompt", "empty"),
    ({"prompt": "x" * 12_001}, "prompt", "12000"),
]


@pytest.mark.parametrize("change,field,words", BAD, ids=[b[1] + ":" + b[2][:12] for b in BAD])
def test_bad_input_is_a_422_and_nothing_is_queued(seed_server: Server, seed_client: fal_client.SyncClient,
                                                  change: dict, field: str, words: str) -> None:
    clips = {"CLIP31": data_uri(tone(31.0)), "CLIP1": data_uri(tone(1.0)),
             "CLIP11MB": data_uri(tone(60.0, 48_000, 2))}
    body = {"prompt": "Hello.", **change}
    if "audio_urls" in body:
        body["audio_urls"] = [clips.get(u, u) for u in body["audio_urls"]]
    before = _jobs(seed_server)
    with pytest.raises(fal_client.client.FalClientHTTPError) as err:
        seed_client.submit(APP, arguments=body)
    assert err.value.status_code == 422
    detail = err.value.response.json()["detail"][0]
    assert ".".join(str(p) for p in detail["loc"][1:]).replace(".0", "[0]") == field or \
        field in ".".join(str(p) for p in detail["loc"])
    assert words in detail["msg"] or words in str(detail.get("ctx")), detail
    assert _jobs(seed_server) == before


def test_voices_list_and_preview(seed_server: Server) -> None:
    rows = httpx.get(f"{seed_server.url}/voices").json()["voices"]
    ids = {r["id"] for r in rows}
    assert {"kian_en_zh", "monkey_king_zh", "stokie_en", "af_heart"} <= ids and len(rows) >= 21 + 54
    kian = next(r for r in rows if r["id"] == "kian_en_zh")
    assert kian["gender"] == "male" and set(kian["languages"]) >= {"en", "zh"}
    preview = httpx.get(kian["preview_url"], follow_redirects=True, timeout=180)
    assert preview.status_code == 200 and preview.headers["content-type"] == "audio/mpeg"
    assert probe(preview.content, AudioFormat.MP3).duration > 0.5
    assert httpx.get(f"{seed_server.url}/voices/nobody/preview").status_code == 422
