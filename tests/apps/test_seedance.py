"""bytedance/seedance-2.0 end to end through the official Python client: every MP4 decoded and measured.

Checks what a person would: streams, codecs, size, fps and frame count; the audio stream exactly the
video's length (and the decoded audio never shorter, at most one AAC frame longer); loudness and true
peak; the dialogue read back by a multilingual recognizer; speech onsets against mouth-open frames.
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from dataclasses import dataclass

import av
import fal_client
import httpx
import numpy as np
import pytest
from PIL import Image

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.loudness import integrated_lufs, true_peak_dbfs
from soundstage.video.overlay import MOUTH_INSIDE
from tests.support.recognizer import Recognizer, cer, wer
from tests.support.server import Server, headers

pytestmark = pytest.mark.slow

ROOT = "bytedance/seedance-2.0"
T2V = f"{ROOT}/text-to-video"
SEED_PROMPT = ("Wide shot of a chef plating a dish in a warmly lit kitchen, steam rising, slow push in on the"
               " plate, dialogue: 'Service is on'.")
AAC_FRAME = 1024  # samples


@dataclass
class Decoded:
    width: int
    height: int
    fps: float
    frames: int
    video_seconds: float
    codec: str
    pix_fmt: str
    audio: AudioBuffer | None
    audio_codec: str | None
    audio_seconds: float | None  # the stream's duration (edit list applied)
    mouth_pixels: list[int]  # per frame: pixels of the drawn mouth's inside colour


def _mouth_pixels(rgb: np.ndarray) -> int:
    return int((np.abs(rgb.astype(np.int16) - np.array(MOUTH_INSIDE, np.int16)).max(axis=2) < 18).sum())


def decode_mp4(data: bytes) -> Decoded:
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        mouths = [_mouth_pixels(f.to_ndarray(format="rgb24")) for f in container.decode(video)]
        v_seconds = float(video.duration * video.time_base)
        width, height, fps = video.codec_context.width, video.codec_context.height, float(video.average_rate)
        codec, pix = video.codec_context.name, video.codec_context.pix_fmt
    with av.open(io.BytesIO(data)) as container:
        if not container.streams.audio:
            return Decoded(width, height, fps, len(mouths), v_seconds, codec, pix, None, None, None, mouths)
        stream = container.streams.audio[0]
        chunks = [f.to_ndarray() for f in container.decode(stream)]
        samples = np.concatenate(chunks, axis=1).T.astype(np.float32)
        audio = AudioBuffer(np.ascontiguousarray(samples), stream.codec_context.sample_rate)
        return Decoded(width, height, fps, len(mouths), v_seconds, codec, pix, audio,
                       f"{stream.codec_context.name}-{stream.codec_context.profile}",
                       float(stream.duration * stream.time_base), mouths)


def fetch(result: dict) -> tuple[bytes, Decoded]:
    video = result["video"]
    data = httpx.get(video["url"]).content
    assert len(data) == video["file_size"] and video["content_type"] == "video/mp4"
    assert data[4:8] == b"ftyp" and data.find(b"moov") < data.find(b"mdat")  # +faststart: index first
    decoded = decode_mp4(data)
    assert (video["width"], video["height"], video["num_frames"]) == (decoded.width, decoded.height,
                                                                      decoded.frames)
    assert (video["fps"] == pytest.approx(decoded.fps)
            and video["duration"] == pytest.approx(decoded.video_seconds))
    assert video["has_audio"] == (decoded.audio is not None)
    assert decoded.codec == "h264" and decoded.pix_fmt == "yuv420p"
    return data, decoded


def check_exact_audio(decoded: Decoded) -> None:
    assert decoded.audio is not None and decoded.audio_seconds is not None
    assert decoded.audio.rate == 48_000 and decoded.audio.channels == 2
    assert decoded.audio_codec == "aac-LC"
    assert decoded.audio_seconds == pytest.approx(decoded.video_seconds, abs=1 / 48_000)
    expected = round(decoded.video_seconds * 48_000)
    assert expected <= decoded.audio.frames <= expected + AAC_FRAME


def speech_onsets(audio: AudioBuffer, floor_db: float = -40.0) -> list[float]:
    """Times where 10 ms energy rises above ``floor_db`` (relative to the loudest block) after 150 ms
    quiet."""
    hop = audio.rate // 100
    mono = audio.mono()[: len(audio.mono()) // hop * hop].reshape(-1, hop)
    level = 10 * np.log10(np.mean(mono**2, axis=1) + 1e-12)
    active = level > level.max() + floor_db
    onsets, quiet = [], 15
    for i, on in enumerate(active):
        if on and quiet >= 15:
            onsets.append(i / 100)
        quiet = 0 if on else quiet + 1
    return onsets


def mouth_onsets(mouths: list[int], fps: float) -> list[float]:
    base = min(mouths)
    open_ = [m - base > 20 for m in mouths]
    out, shut = [], 6
    for i, o in enumerate(open_):
        if o and shut >= 4:
            out.append(i / fps)
        shut = 0 if o else shut + 1
    return out


def test_seed_example_silent(seed_client: fal_client.SyncClient) -> None:
    """The seed article's request (generate_audio false): a silent 8 s 720p clip; dialogue still moves the
    lips."""
    result = seed_client.subscribe(T2V, arguments={"prompt": SEED_PROMPT, "resolution": "720p", "duration": 8,
                                                   "aspect_ratio": "16:9", "generate_audio": False,
                                                   "lipsync": True, "seed": 5}, with_logs=True)
    _, decoded = fetch(result)
    assert decoded.audio is None
    assert (decoded.width, decoded.height, decoded.fps, decoded.frames) == (1280, 720, 24.0, 192)
    assert decoded.video_seconds == pytest.approx(8.0, abs=1e-6)
    lipsync = httpx.get(result["lipsync"]["url"]).json()
    assert lipsync["viseme_set"] == "ovr15" and lipsync["speakers"][0]["name"] == "Chef"
    shapes = {v["viseme"] for v in lipsync["speakers"][0]["visemes"]}
    assert shapes - {"sil"}  # the line's visemes drive the mouth
    assert max(decoded.mouth_pixels) - min(decoded.mouth_pixels) > 100  # and the mouth visibly opens


def test_seed_example_with_audio(seed_client: fal_client.SyncClient, recognizer: Recognizer) -> None:
    result = seed_client.subscribe(T2V, arguments={"prompt": SEED_PROMPT, "resolution": "720p", "duration": 8,
                                                   "aspect_ratio": "16:9", "generate_audio": True, "seed": 5,
                                                   "stems": True}, with_logs=True)
    _, decoded = fetch(result)
    check_exact_audio(decoded)
    assert decoded.frames == 192
    assert decoded.audio is not None
    assert integrated_lufs(decoded.audio) == pytest.approx(-16.0, abs=1.0)
    assert true_peak_dbfs(decoded.audio) <= -0.5  # mastered to -1 dBTP; AAC may add a few tenths
    heard = recognizer.transcribe(decoded.audio.mono(), decoded.audio.rate, "en")
    assert wer("Service is on", heard) <= 0.34, heard
    tracks = {s["track"] for s in result["stems"]}
    assert {"dialogue", "ambience"} <= tracks and "music" not in tracks  # no music unless asked


def test_dialogue_intelligible_and_lips_in_sync(seed_client: fal_client.SyncClient,
                                                recognizer: Recognizer) -> None:
    line = "The last train leaves at midnight, so we should hurry."
    prompt = f'A woman stands on an empty platform, static shot. She says, "{line}"'
    result = seed_client.subscribe(T2V, arguments={"prompt": prompt, "duration": "auto", "seed": 11,
                                                   "resolution": "480p"}, with_logs=True)
    _, decoded = fetch(result)
    check_exact_audio(decoded)
    assert decoded.audio is not None and 4.0 <= decoded.video_seconds <= 15.0
    heard = recognizer.transcribe(decoded.audio.mono(), decoded.audio.rate, "en")
    assert wer(line, heard) <= 0.2, heard
    speech = speech_onsets(decoded.audio)
    mouths = mouth_onsets(decoded.mouth_pixels, decoded.fps)
    assert speech and mouths
    # the first mouth opening against the first speech onset: within a frame (ATSC IS-191: -15/+45 ms)
    assert abs(mouths[0] - speech[0]) <= 1 / decoded.fps + 0.015, (mouths[:3], speech[:3])


def test_mandarin_dialogue(seed_client: fal_client.SyncClient, recognizer: Recognizer) -> None:
    line = "今天晚上的雨下得很大，我们明天再走吧。"
    result = seed_client.subscribe(T2V, arguments={"prompt": f"一位老人坐在窗边，窗外下着雨。他说：“{line}”",
                                                   "duration": 8, "seed": 2, "resolution": "480p"})
    _, decoded = fetch(result)
    check_exact_audio(decoded)
    assert decoded.audio is not None
    heard = recognizer.transcribe(decoded.audio.mono(), decoded.audio.rate, "zh")
    assert cer(line, heard) <= 0.2, heard


def test_same_seed_same_bytes(seed_client: fal_client.SyncClient) -> None:
    args = {"prompt": "A boy in a park at dawn, birds, dialogue: 'Look up.'", "duration": 4,
            "resolution": "480p", "aspect_ratio": "1:1", "seed": 9}
    first, decoded = fetch(seed_client.run(T2V, arguments=args))
    second, _ = fetch(seed_client.run(T2V, arguments=args))
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()
    assert (decoded.width, decoded.height, decoded.frames) == (480, 480, 96)


def test_overflowing_dialogue_is_fitted_and_dropped_lines_logged(seed_client: fal_client.SyncClient) -> None:
    lines = ["We have to leave before the storm reaches the harbour tonight.",
             "Then pack the boxes and call the driver, there is no time left at all.",
             "I already told everyone to meet at the old lighthouse at midnight sharp."]
    prompt = "A man and a woman in a dark office. " + " ".join(
        f'{"The man" if i % 2 else "The woman"} says "{t}"' for i, t in enumerate(lines))
    handle = seed_client.submit(f"{ROOT}/fast/text-to-video",
                                arguments={"prompt": prompt, "duration": 4, "resolution": "480p",
                                           "subtitles": True})
    result = handle.get()
    _, decoded = fetch(result)
    check_exact_audio(decoded)
    assert decoded.video_seconds == pytest.approx(4.0, abs=1e-6)
    logs = [entry["message"] for entry in handle.status(with_logs=True).logs]
    assert any("faster to fit" in m for m in logs) and any("dropped the line" in m for m in logs)
    srt = httpx.get(result["subtitles"]["srt"]["url"]).text
    assert "lighthouse" not in srt  # the dropped line is not subtitled either


def _png(color: tuple[int, int, int], size: tuple[int, int]) -> str:
    import base64

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def test_image_to_video_follows_the_image_and_ends_on_the_end_image(
        seed_client: fal_client.SyncClient) -> None:
    result = seed_client.run(f"{ROOT}/image-to-video", arguments={
        "prompt": "A quiet street at night, rain, static.", "image_url": _png((200, 40, 40), (600, 1000)),
        "end_image_url": _png((40, 40, 200), (600, 1000)), "duration": 4, "resolution": "480p", "seed": 1})
    data, decoded = fetch(result)
    assert (decoded.width, decoded.height) == (480, 854)  # auto: the image's nearest ratio, 9:16
    with av.open(io.BytesIO(data)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    first, last = frames[0].reshape(-1, 3).mean(axis=0), frames[-1].reshape(-1, 3).mean(axis=0)
    assert first[0] > first[2] + 60 and last[2] > last[0] + 60


def test_reference_to_video_with_image_video_and_audio_bed(seed_client: fal_client.SyncClient,
                                                           seed_server: Server,
                                                           tmp_path) -> None:  # type: ignore[no-untyped-def]
    clip = tmp_path / "ref.mp4"
    with av.open(str(clip), "w") as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for i in range(72):
            frame = av.VideoFrame.from_ndarray(np.full((240, 320, 3), (0, 180, 0), np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    tone = (0.2 * np.sin(2 * np.pi * 220 * np.arange(48_000 * 3) / 48_000)).astype(np.float32)
    from soundstage.audio.codecs import AudioFormat, encode

    wav = encode(AudioBuffer.from_mono(tone, 48_000), AudioFormat.WAV, 48_000).data
    video_url = seed_client.upload(clip.read_bytes(), "video/mp4", "ref.mp4")
    audio_url = seed_client.upload(wav, "audio/wav", "bed.wav")
    result = seed_client.run(f"{ROOT}/mini/reference-to-video", arguments={
        "prompt": "@Image1 then @Video1, a hum like @Audio1", "image_urls": [_png((250, 250, 0), (640, 360))],
        "video_urls": [video_url], "audio_urls": [audio_url], "duration": 4, "resolution": "480p"})
    _, decoded = fetch(result)
    check_exact_audio(decoded)
    assert (decoded.width, decoded.height) == (854, 480)


def _count_jobs(server: Server) -> int:
    with sqlite3.connect(server.data_dir / "soundstage.db") as db:
        return int(db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0])


BAD = [
    (f"{ROOT}/fast/text-to-video", {"prompt": "x", "resolution": "1080p"}, "resolution"),
    (f"{ROOT}/mini/reference-to-video", {"prompt": "x", "resolution": "1080p", "image_urls": ["data:,x"]},
     "resolution"),
    (T2V, {"prompt": "x", "duration": 3}, "duration"),
    (T2V, {"prompt": "x", "duration": "16"}, "duration"),
    (T2V, {"prompt": "x", "aspect_ratio": "2:1"}, "aspect_ratio"),
    (T2V, {"prompt": "   "}, "prompt"),
    (T2V, {"prompt": "a" * 5001}, "prompt"),
    (f"{ROOT}/image-to-video", {"prompt": "x"}, "image_url"),
    (f"{ROOT}/image-to-video", {"prompt": "x", "image_url": "data:text/plain;base64,aGVsbG8="}, "image_url"),
    (f"{ROOT}/reference-to-video", {"prompt": "x", "audio_urls": ["data:,x"]}, "audio_urls"),
    (f"{ROOT}/reference-to-video", {"prompt": "x", "image_urls": ["data:,x"] * 10}, "image_urls"),
    (f"{ROOT}/reference-to-video", {"prompt": "x", "video_urls": ["data:,x"] * 4}, "video_urls"),
    (f"{ROOT}/reference-to-video", {"prompt": "x", "image_urls": ["data:,x"] * 9,
                                    "video_urls": ["data:,x"] * 3, "audio_urls": ["data:,x"]}, "body"),
]


@pytest.mark.parametrize(("endpoint", "payload", "field"), BAD)
def test_invalid_input_is_422_at_submit_with_no_job(seed_server: Server, endpoint: str, payload: dict,
                                                    field: str) -> None:
    before = _count_jobs(seed_server)
    r = httpx.post(f"{seed_server.url}/queue/{endpoint}", json=payload, headers=headers())
    assert r.status_code == 422, r.text
    assert field in json.dumps(r.json()["detail"])
    assert _count_jobs(seed_server) == before


def test_reference_limits_are_422_naming_field_and_limit(seed_server: Server,
                                                         seed_client: fal_client.SyncClient,
                                                         tmp_path) -> None:  # type: ignore[no-untyped-def]
    def video(seconds: float) -> str:
        path = tmp_path / f"v{seconds}.mp4"
        with av.open(str(path), "w") as out:
            stream = out.add_stream("libx264", rate=24)
            stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
            for _ in range(round(seconds * 24)):
                out.mux(stream.encode(av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8),
                                                                 format="rgb24")))
            out.mux(stream.encode())
        return seed_client.upload(path.read_bytes(), "video/mp4", path.name)

    def wav(seconds: float) -> str:
        from soundstage.audio.codecs import AudioFormat, encode

        clip = AudioBuffer.silence(round(seconds * 16_000), 16_000)
        return seed_client.upload(encode(clip, AudioFormat.WAV, 16_000).data, "audio/wav", f"a{seconds}.wav")

    image = _png((1, 2, 3), (64, 64))
    cases = [
        ({"prompt": "x", "image_urls": [image], "audio_urls": [wav(8.0), wav(8.0)]}, "15 s"),
        ({"prompt": "x", "image_urls": [image], "audio_urls": ["data:audio/wav;base64,AAAA"]},
         "audio_urls[0]"),
        ({"prompt": "x", "video_urls": [video(1.0)]}, "2-15 s"),
        ({"prompt": "x", "video_urls": [video(8.0), video(8.0)]}, "2-15 s"),
        ({"prompt": "x @Image2", "image_urls": [image]}, "@Image2"),
        ({"prompt": "x", "image_urls": ["data:image/png;base64,iVBORw0KGgo="]}, "image_urls[0]"),
    ]
    for payload, needle in cases:
        before = _count_jobs(seed_server)
        r = httpx.post(f"{seed_server.url}/queue/{ROOT}/reference-to-video", json=payload,
                       headers=headers(), timeout=60)
        assert r.status_code == 422 and needle in r.text, r.text
        assert _count_jobs(seed_server) == before


def test_seed_example_through_the_official_js_client(seed_server: Server) -> None:
    import os
    import shutil
    import subprocess
    from pathlib import Path

    from tests.support.server import TEST_KEY

    js = Path(__file__).resolve().parents[1] / "js"
    if shutil.which("node") is None or not (js / "node_modules" / "@fal-ai" / "client").exists():
        pytest.fail("Node.js and tests/js/node_modules are required: run `npm ci --prefix tests/js`")
    env = {**os.environ, "SOUNDSTAGE_URL": seed_server.url, "FAL_KEY": TEST_KEY}
    out = subprocess.run(["node", "--test", "--test-reporter=spec", "seedance.test.mjs"], cwd=js, env=env,
                         check=False, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]


def test_korean_dialogue_through_a_borrowed_voice(seed_client: fal_client.SyncClient,
                                                  recognizer: Recognizer) -> None:
    """Korean has no Kokoro voice: espeak-ng's phonemes read by a borrowed one (speech/voices.py BORROWED)."""
    line = "지하철역이 어디에 있어요?"
    result = seed_client.subscribe(T2V, arguments={
        "prompt": f"A woman at a quiet cafe table, dialogue: '{line}'", "duration": 4, "seed": 4,
        "resolution": "480p"})
    _, decoded = fetch(result)
    check_exact_audio(decoded)
    assert decoded.audio is not None
    heard = recognizer.transcribe(decoded.audio.mono(), decoded.audio.rate, "ko")
    assert cer(line, heard) <= 0.4, heard
