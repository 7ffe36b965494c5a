"""Serving-core benchmark: no-op job overhead, status throughput, and a 500-job burst.

    python bench/serving.py            # prints a table; nothing is asserted

Overhead is server-side: a job's time from submit (created_at) to COMPLETED (finished_at) in the
store, minus the app's own time (inference_time), with one idle worker waiting. Status throughput
is measured with wrk (Debian package) when installed, else with an asyncio httpx client (which then
measures the client as much as the server).
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from soundstage.jobs.models import JobState
from soundstage.jobs.sqlite import SQLiteJobStore
from tests.support.server import TEST_KEY, Server, headers

OWNER = "static-" + __import__("hashlib").sha256(TEST_KEY.encode()).hexdigest()[:16]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def overhead(srv: Server, store: SQLiteJobStore, n: int = 300) -> list[float]:
    out = []
    with httpx.Client(headers=headers()) as client:
        for _ in range(n):
            job_id = client.post(f"{srv.url}/queue/test/noop", json={}).json()["request_id"]
            while True:
                job = store.get(OWNER, job_id)
                if job.state.finished:
                    break
                time.sleep(0.002)
            assert job.finished_at is not None
            out.append((job.finished_at - job.created_at - (job.inference_time or 0.0)) * 1000)
            time.sleep(0.02)  # let the worker go idle again: the target is "with an idle worker"
    return out


def status_rps(srv: Server, status_url: str, seconds: int = 10) -> tuple[float, str]:
    if shutil.which("wrk"):
        script = Path(tempfile.mkdtemp()) / "auth.lua"
        script.write_text(f'wrk.headers["Authorization"] = "Key {TEST_KEY}"\n')
        out = subprocess.run(["wrk", "-t1", "-c32", f"-d{seconds}s", "-s", str(script), status_url],
                             check=False, capture_output=True, text=True).stdout
        line = next(x for x in out.splitlines() if x.startswith("Requests/sec"))
        non2xx = next((x for x in out.splitlines() if "Non-2xx" in x), "")
        assert not non2xx, out
        return float(line.split()[1]), "wrk, 1 thread, 32 connections"
    return asyncio.run(_status_rps_httpx(status_url, seconds)), "asyncio httpx, 32 connections"


async def _status_rps_httpx(url: str, seconds: int) -> float:
    count = 0
    deadline = time.monotonic() + seconds

    async def loop(client: httpx.AsyncClient) -> None:
        nonlocal count
        while time.monotonic() < deadline:
            (await client.get(url)).raise_for_status()
            count += 1

    async with httpx.AsyncClient(headers=headers(), limits=httpx.Limits(max_connections=32)) as client:
        await asyncio.gather(*(loop(client) for _ in range(32)))
    return count / seconds


async def burst(srv: Server, store: SQLiteJobStore, n: int = 500) -> tuple[int, int, float]:
    started = time.monotonic()
    sem = asyncio.Semaphore(32)
    async with httpx.AsyncClient(headers=headers(), timeout=60) as client:
        async def one(i: int) -> str:
            async with sem:
                r = await client.post(f"{srv.url}/queue/test/echo", json={"text": f"job {i}"})
                r.raise_for_status()
                return str(r.json()["request_id"])
        ids = await asyncio.gather(*(one(i) for i in range(n)))
    pending = set(ids)
    while pending and time.monotonic() - started < 600:
        pending = {i for i in pending if not store.get(OWNER, i).state.finished}
        await asyncio.sleep(0.2)
    done = [store.get(OWNER, i) for i in ids]
    ok = sum(1 for j, i in zip(done, range(n)) if j.state is JobState.SUCCEEDED
             and j.result["text"] == f"job {i}")
    return len(set(ids)), ok, time.monotonic() - started


def main() -> None:
    data = Path(tempfile.mkdtemp()) / "data"
    with Server(data, workers=1, env={"SOUNDSTAGE_LOG_LEVEL": "warning"}) as srv:
        store = SQLiteJobStore(data / "soundstage.db")
        ms = overhead(srv, store)
        print(f"no-op job overhead (submit -> COMPLETED minus app time), n={len(ms)}, 1 idle worker:")
        print(f"  p50 {statistics.median(ms):.2f} ms   p99 {percentile(ms, 0.99):.2f} ms"
              "   (target: p50 < 20 ms)")
        sub = httpx.post(f"{srv.url}/queue/test/echo", json={"text": "x"}, headers=headers()).json()
        rps, how = status_rps(srv, sub["status_url"])
        print(f"status requests/s: {rps:,.0f} ({how}; target >= 1,000)")
    with Server(Path(tempfile.mkdtemp()) / "data", workers=2) as srv:
        store = SQLiteJobStore(srv.data_dir / "soundstage.db")
        unique, ok, wall = asyncio.run(burst(srv, store))
        print(f"burst: 500 submitted, {unique} distinct ids, {ok} completed correctly, wall {wall:.1f} s"
              " (2 workers; target 500 of 500)")


if __name__ == "__main__":
    main()
