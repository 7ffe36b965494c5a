"""Issue 12: ``soundstage say`` and ``soundstage run`` as a person uses them: a file out, the error's
message and a non-zero exit on failure, Ctrl-C cancelling the job; against a server and in process."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from soundstage.audio.codecs import decode
from tests.apps.conftest import models_cache
from tests.support.server import ROOT, TEST_KEY, Server, headers

pytestmark = [pytest.mark.slow]

RUN_SECONDS = 240
CLIP_RATE = 24_000  # Hz


@pytest.fixture(scope="module")
def cli_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("cli") / "data"
    data.mkdir()
    (data / "models").symlink_to(models_cache(), target_is_directory=True)
    with Server(data, workers=1, env={"SOUNDSTAGE_SPEECH_THREADS": "2"}) as srv:
        yield srv


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOUNDSTAGE_", "FAL_"))}
    return {**env, "PYTHONPATH": str(ROOT), "SOUNDSTAGE_SPEECH_THREADS": "2", **extra}


def _cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "soundstage", *args], cwd=cwd, env=_env(**env), text=True,
                          capture_output=True, timeout=RUN_SECONDS, check=False)


def test_say_against_a_server(cli_server: Server, tmp_path: Path) -> None:
    done = _cli("say", "Hello from the command line.", "--voice", "nova", "-o", "hello.wav",
                "--server", cli_server.url, cwd=tmp_path, FAL_KEY=TEST_KEY)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "hello.wav"
    audio = decode((tmp_path / "hello.wav").read_bytes())
    assert audio.duration > 1.0 and audio.rate == 24_000
    assert "voice af_nova" in done.stderr  # the job's own log lines are shown


def test_run_writes_every_file_into_a_directory(cli_server: Server, tmp_path: Path) -> None:
    clip = tmp_path / "bed.wav"
    clip.write_bytes(_tone_wav())
    done = _cli("run", "bytedance/seed-audio-1.0", "--prompt", "Hello there, with @Audio1 as the background.",
                "--file", f"audio_urls={clip}", "--set", "subtitles=true", "--set", "output_format=\"wav\"",
                "-o", "out/", "-q", "--server", cli_server.url, cwd=tmp_path, FAL_KEY=TEST_KEY)
    assert done.returncode == 0, done.stderr
    written = sorted(p.suffix for p in (tmp_path / "out").iterdir())
    assert written == [".srt", ".vtt", ".wav"], written
    assert decode(next((tmp_path / "out").glob("*.wav")).read_bytes()).channels == 2  # voice over the bed


def test_a_failure_exits_non_zero_with_the_message(cli_server: Server, tmp_path: Path) -> None:
    done = _cli("run", "soundstage/speech", "--prompt", "Hi.", "--set", "voice=nobody", "-q",
                "--server", cli_server.url, cwd=tmp_path, FAL_KEY=TEST_KEY)
    assert done.returncode == 2 and "unknown voice 'nobody'" in done.stderr, done.stderr
    done = _cli("run", "test/sleep", "--set", "seconds=0.1", "--set", "fail=true", "-q",
                "--server", cli_server.url, cwd=tmp_path, FAL_KEY=TEST_KEY)
    assert done.returncode == 2 and "failing on purpose" in done.stderr, done.stderr
    done = _cli("say", "Hi.", "--server", cli_server.url, cwd=tmp_path, FAL_KEY="wrong")
    assert done.returncode == 2 and "401" in done.stderr


def _status(server: Server, request_id: str) -> dict[str, object]:
    response = httpx.get(f"{server.url}/queue/test/sleep/requests/{request_id}/status", headers=headers())
    return dict(response.json())


def _wait_for(server: Server, request_id: str, state: str) -> dict[str, object]:
    deadline = time.monotonic() + 30
    status = _status(server, request_id)
    while status["status"] != state and time.monotonic() < deadline:
        time.sleep(0.1)
        status = _status(server, request_id)
    return status


def test_ctrl_c_cancels_the_job(cli_server: Server, tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "soundstage", "run", "test/sleep", "--set", "seconds=60",
                             "--server", cli_server.url], cwd=tmp_path, env=_env(FAL_KEY=TEST_KEY), text=True,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    assert proc.stderr is not None
    announced = next(line for line in proc.stderr if "test/sleep: request " in line)
    request_id = announced.rsplit(" ", 1)[-1].strip()
    assert _wait_for(cli_server, request_id, "IN_PROGRESS")["status"] == "IN_PROGRESS"
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    status = _wait_for(cli_server, request_id, "COMPLETED")
    assert status["error_type"] == "cancelled", status


def test_say_in_process(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "models").symlink_to(models_cache(), target_is_directory=True)
    done = _cli("say", "No server needed.", "-o", "local.mp3", "--data-dir", str(data), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert decode((tmp_path / "local.mp3").read_bytes()).duration > 0.8
    assert not (data / "soundstage.db").exists()  # the data dir's own job store is never touched


def _tone_wav() -> bytes:
    t = np.arange(2 * CLIP_RATE) / CLIP_RATE
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(CLIP_RATE)
        w.writeframes((0.2 * np.sin(2 * np.pi * 220 * t) * 32767).astype("<i2").tobytes())
    return out.getvalue()
