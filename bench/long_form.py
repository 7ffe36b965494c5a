"""Long-form productions (issue 16): the worker's peak resident memory and wall time ÷ audio time.

    python bench/long_form.py [--cases 10s,2m,10m,scene5m] [--json out.json]

Each case starts a fresh server the way users run it (``soundstage serve --workers 1``, the built-in
apps, SQLite and files in a scratch data dir whose ``models`` links to the cached model assets,
``SOUNDSTAGE_WRITER=off``), warms the worker with one short sentence (a long-running server has its
model loaded), resets the worker's peak RSS (``/proc/<pid>/clear_refs``), submits the case to
``bytedance/seed-audio-1.0`` over HTTP, polls until it finishes and reads the worker's ``VmHWM``.

- ``10s``, ``2m``, ``10m``: plain English prose in one Kokoro voice, mp3 at 24 kHz (the defaults),
  generated from a fixed bank of sentences (Kokoro speaks about 3.2 words per second at speed 1.0).
- ``scene5m``: a three-speaker radio-drama script with ambience, music and spot cues, 48 kHz, stems on.

Columns: ``job MiB`` is the worker's VmHWM over the job alone (reset after the warm-up), ``life MiB``
its VmHWM over its whole life (model load included), ``idle MiB`` its VmRSS after the warm-up,
``wall/audio`` submit-to-COMPLETED time over the duration of the file written. The machine may be
shared: each case prints the 1-minute load average before and after it. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
MODELS = Path.home() / ".cache" / "soundstage-test" / "models"  # where the tests and benches keep them
APP = "bytedance/seed-audio-1.0"
KEY = "bench-key-id:bench-key-secret"
VOICE = "af_heart"
WORDS_PER_SECOND = 3.2  # Kokoro at speed 1.0 on this prose (issue 16: 1,600 words gave 500 s)
SCENE_WORDS_PER_SECOND = 2.6  # a script: turn gaps, spot-sound beats and pauses between the lines
MAX_AUDIO_SECONDS = 580.0  # the app refuses more than 600 s: keep "10 min" safely under it
POLL_SECONDS = 0.25
JOB_TIMEOUT_SECONDS = 3600.0
STOP_GRACE_SECONDS = 20.0
MIB = 1024 * 1024

SENTENCES = (
    ("The lighthouse at the end of the harbour had been dark for eleven years when Clara came back to the "
     "village."),
    ("She arrived on the last ferry of the season, with one suitcase and a letter she had not yet dared to "
     "open."),
    ("The keeper's cottage still stood at the foot of the tower, its blue shutters faded to the colour of "
     "the sea."),
    ("Inside, the air smelled of salt and old paper, and the clock on the mantel had stopped at a quarter "
     "past four."),
    ("She opened every window, swept the floor, and carried the broken chairs out into the thin autumn "
     "sunlight."),
    ("In the evening she climbed the narrow stairs of the tower and found the great lens wrapped in grey "
     "canvas."),
    "Someone had cared for it, she thought, because the brass was polished and the glass was free of dust.",
    ("From the gallery she could see the whole bay, the fishing boats at anchor and the lights of the town "
     "beyond."),
    ("The next morning the postmistress told her that the old keeper had walked up the hill every week "
     "until spring."),
    "He never said why he kept the lamp clean, only that a light should be ready for the night it is needed.",
    ("Clara spent the winter learning the tower's habits, the creak of the third step and the draught under "
     "the door."),
    ("She read the keeper's logbooks by the stove, one page each night, as if the tower were telling her "
     "its story."),
    ("The entries were short and plain, the weather and the wind and the ships that passed, but they never "
     "missed a day."),
    ("Near the end of the last book the handwriting changed, slower and larger, as if each word had cost "
     "him something."),
    ("On the final page he had written only that the fog was coming in and that he hoped someone would keep "
     "watch."),
    ("When the first storm of the new year came, the radio warned of a trawler that had lost its engine off "
     "the point."),
    "Clara did not stop to think. She ran up the stairs, pulled the canvas from the lens and lit the lamp.",
    ("The beam swept out across the water, once, twice, a third time, and somewhere in the dark a horn "
     "answered."),
    ("By morning the trawler was tied up safely at the quay, and half the village had climbed the hill to "
     "see the light."),
    ("That night Clara finally opened the letter, and found that it was addressed not to her, but to the "
     "tower itself."),
)

SCENE_HEAD = ("INT. RADIO STATION - NIGHT\n[ambience: rain on a window]\n[music: tense suspense drone]\n")
SCENE_LINES = (
    ("HOST", "Good evening, and welcome back to the late show. The storm outside is not letting up tonight."),
    ("ANNA", ("The phones have been ringing since eleven. Everyone wants to know if the bridge is still "
              "open.")),
    ("TOM", "I just heard from the harbour master. They closed the bridge twenty minutes ago."),
    ("HOST", "Then we should tell our listeners to stay home. Anna, can you put the first caller through?"),
    ("ANNA", ("Line one is a woman from the north shore. She says the power has gone out on her whole "
              "street.")),
    ("TOM", "The generator in the basement is making that noise again. I will go and have a look."),
    ("HOST", "Be careful on the stairs, Tom. The light down there has been flickering all week."),
    ("ANNA", "There is another call, a man who says he saw lights moving on the water near the old pier."),
    ("HOST", "Lights on the water in this weather? No boat should be out there tonight."),
    ("TOM", "The generator is fine. But the back door was open, and I am sure I locked it earlier."),
    ("ANNA", "Maybe the wind blew it open. The whole building has been shaking since the storm began."),
    ("HOST", "Let us keep going. We have three more songs before the news, and then the weather report."),
    ("TOM", "Wait, do you hear that? It sounds like someone walking in the corridor upstairs."),
    ("ANNA", "It is only the rain on the roof. You have been listening to too many ghost stories."),
    ("HOST", "We are back on the air in ten seconds. Everybody quiet, please, and find your seats."),
    ("TOM", "The caller from the pier is on line two again. He says the lights are coming closer."),
)
SCENE_SFX = ("[sfx: phone ringing]", "[sfx: footsteps on wood]", "[sfx: door creak]", "[sfx: thunder]",
             "[sfx: door close]", "[sfx: knock on door]")


def _words(text: str) -> int:
    return len(text.split())


def prose(seconds: float) -> str:
    """About ``seconds`` of narration: the sentence bank from the start, cycled with a shift each
    round so no two paragraphs repeat, five sentences a paragraph."""
    target = round(seconds * WORDS_PER_SECOND)
    taken: list[str] = []
    i = 0
    while sum(_words(s) for s in taken) < target:
        rnd, k = divmod(i, len(SENTENCES))
        taken.append(SENTENCES[(k + 3 * rnd) % len(SENTENCES)])
        i += 1
    return "\n\n".join(" ".join(taken[p:p + 5]) for p in range(0, len(taken), 5))


def scene(seconds: float) -> str:
    """About ``seconds`` of a designed scene: the dialogue bank cycled, a spot sound every fifth line
    and a pause every eleventh."""
    target = round(seconds * SCENE_WORDS_PER_SECOND)
    out, words, i = [SCENE_HEAD], 0, 0
    while words < target:
        name, line = SCENE_LINES[i % len(SCENE_LINES)]
        out.append(f"{name}: {line}\n")
        words += _words(line)
        i += 1
        if i % 5 == 0:
            out.append(SCENE_SFX[(i // 5) % len(SCENE_SFX)] + "\n")
        if i % 11 == 0:
            out.append("[pause 1s]\n")
    return "".join(out)


@dataclass(frozen=True)
class Case:
    name: str
    arguments: dict[str, Any]


def case(name: str) -> Case:
    if name == "scene5m":
        return Case(name, {"prompt": scene(300.0), "mode": "script", "sample_rate": 48_000, "stems": True,
                           "seed": 1})
    seconds = {"10s": 10.0, "2m": 120.0, "10m": MAX_AUDIO_SECONDS}.get(name)
    if seconds is None:
        raise SystemExit(f"--cases: unknown case {name!r}; known: 10s, 2m, 10m, scene5m")
    return Case(name, {"prompt": prose(seconds), "voice": VOICE, "mode": "text", "output_format": "mp3",
                       "seed": 1})


@dataclass(frozen=True)
class Result:
    case: str
    words: int
    prompt_chars: int
    audio_s: float
    wall_s: float
    app_s: float | None
    wall_per_audio: float
    job_peak_mib: float
    life_peak_mib: float
    idle_mib: float
    worker_pid: int
    files: int
    load_before: float
    load_after: float


def _status(pid: int) -> dict[str, int]:
    """The kB fields of /proc/<pid>/status."""
    fields = {}
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = row.partition(":")
        if value.strip().endswith("kB"):
            fields[key] = int(value.split()[0])
    return fields


def _mib(kb: int) -> float:
    return kb * 1024 / MIB


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:  # field 4, after "pid (comm) state"
            found.append(int(entry.name))
    return found


def _worker_pid(server: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in _children(server):
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"worker" in argv:
                return pid
        time.sleep(0.1)
    raise RuntimeError(f"no worker process under server {server} after {timeout:.0f} s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "SOUNDSTAGE_DATA_DIR": str(data_dir), "SOUNDSTAGE_API_KEYS": KEY,
            "SOUNDSTAGE_WRITER": "off", "SOUNDSTAGE_LOG_LEVEL": "warning",
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}


@dataclass(frozen=True)
class Running:
    url: str
    pid: int
    log: Path


@contextmanager
def serve(data_dir: Path) -> Iterator[Running]:
    """``soundstage serve --workers 1`` in a session of its own; SIGTERM to its group on exit."""
    (data_dir / "models").symlink_to(MODELS, target_is_directory=True)
    port, log = _free_port(), data_dir / "server.log"
    cmd = [sys.executable, "-m", "soundstage", "serve", "--port", str(port), "--workers", "1"]
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=server_env(data_dir), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc, log)
        yield Running(url, proc.pid, log)
    finally:
        _stop(proc)


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not start in {timeout:.0f} s:\n{log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_job(client: httpx.Client, arguments: dict[str, Any]) -> tuple[dict[str, Any], float, float | None]:
    """Submit, poll to completion; returns the result, the wall time and the worker's own time."""
    started = time.perf_counter()
    submitted = client.post(f"/queue/{APP}", json=arguments)
    submitted.raise_for_status()
    urls = submitted.json()
    deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
    while True:
        status = client.get(urls["status_url"])
        if status.status_code == 200:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"job {urls['request_id']} still {status.json()['status']} after the timeout")
        time.sleep(POLL_SECONDS)
    wall = time.perf_counter() - started
    body = status.json()
    if body.get("error"):
        raise RuntimeError(f"job failed ({body.get('error_type')}): {body['error']}")
    result = client.get(urls["response_url"])
    result.raise_for_status()
    return result.json(), wall, (body.get("metrics") or {}).get("inference_time")


def _reset_peak(pid: int) -> None:
    """Linux 4.0+: writing 5 resets the peak RSS (VmHWM) to the current RSS."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def measure(c: Case, scratch: Path) -> Result:
    load_before = os.getloadavg()[0]
    data_dir = scratch / c.name
    data_dir.mkdir(parents=True)
    with serve(data_dir) as srv, httpx.Client(base_url=srv.url, timeout=60,
                                              headers={"Authorization": f"Key {KEY}"}) as client:
        worker = _worker_pid(srv.pid)
        run_job(client, {"prompt": "Warm up.", "voice": VOICE, "mode": "text"})
        warm = _status(worker)
        _reset_peak(worker)
        result, wall, app_s = run_job(client, c.arguments)
        if _worker_pid(srv.pid) != worker:
            raise RuntimeError(f"worker {worker} was replaced during the job; see {srv.log}")
        done = _status(worker)
    audio_s = float(result["audio"]["duration"])
    return Result(case=c.name, words=_words(c.arguments["prompt"]), prompt_chars=len(c.arguments["prompt"]),
                  audio_s=audio_s, wall_s=wall, app_s=app_s, wall_per_audio=wall / audio_s,
                  job_peak_mib=_mib(done["VmHWM"]), life_peak_mib=_mib(max(warm["VmHWM"], done["VmHWM"])),
                  idle_mib=_mib(warm["VmRSS"]), worker_pid=worker, files=1 + len(result.get("stems") or []),
                  load_before=load_before, load_after=os.getloadavg()[0])


HEADER = (f"{'case':<8} {'words':>6} {'audio s':>8} {'wall s':>8} {'wall/audio':>10} {'job MiB':>8} "
          f"{'life MiB':>8} {'idle MiB':>8} {'files':>5} {'load':>11}")


def row(r: Result) -> str:
    return (f"{r.case:<8} {r.words:>6} {r.audio_s:>8.1f} {r.wall_s:>8.1f} {r.wall_per_audio:>10.3f} "
            f"{r.job_peak_mib:>8.0f} {r.life_peak_mib:>8.0f} {r.idle_mib:>8.0f} {r.files:>5} "
            f"{r.load_before:>5.2f}>{r.load_after:<5.2f}")


def ratios(results: dict[str, Result]) -> list[str]:
    """Flatness: each case's peaks over the 10 s case's, and the growth per minute of audio."""
    base = results.get("10s")
    if base is None:
        return []
    out = []
    for r in results.values():
        if r is base:
            continue
        growth = (r.job_peak_mib - base.job_peak_mib) / max(r.audio_s - base.audio_s, 1e-9) * 60
        out.append(f"{r.case} / 10s: job peak x{r.job_peak_mib / base.job_peak_mib:.2f}, life peak "
                   f"x{r.life_peak_mib / base.life_peak_mib:.2f}, above idle x"
                   f"{(r.job_peak_mib - r.idle_mib) / max(base.job_peak_mib - base.idle_mib, 1e-9):.1f}"
                   f" ({growth:+.1f} MiB per minute of audio)")
    return out


def provenance() -> dict[str, str]:
    """Which soundstage the server imports, and at which commit."""
    probe = [sys.executable, "-c", "import soundstage; print(soundstage.__file__)"]
    where = subprocess.run(probe, check=True, capture_output=True, text=True, cwd=ROOT,
                           env=server_env(ROOT / "data")).stdout.strip()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=False).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, check=False).stdout.strip()
    return {"soundstage": where, "commit": commit + (" (modified)" if dirty else ""),
            "cpus": str(os.cpu_count()), "python": sys.version.split()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--cases", default="10s,2m,10m,scene5m")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    cases = [case(name.strip()) for name in args.cases.split(",") if name.strip()]
    meta = provenance()
    print(" ".join(f"{k}={v}" for k, v in meta.items()), flush=True)
    results: dict[str, Result] = {}
    with tempfile.TemporaryDirectory(prefix="long-form-") as scratch:
        for c in cases:
            print(f"{c.name}: {_words(c.arguments['prompt'])} words, {len(c.arguments['prompt'])} chars,"
                  f" load {os.getloadavg()[0]:.2f} ...", flush=True)
            results[c.name] = measure(c, Path(scratch))
            print(f"  {row(results[c.name])}", flush=True)
    print()
    print(HEADER)
    for r in results.values():
        print(row(r))
    for line in ratios(results):
        print(line)
    if args.json:
        report = {"meta": meta, "results": [asdict(r) for r in results.values()]}
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
