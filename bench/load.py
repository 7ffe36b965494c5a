"""Load (issue 9): 200 status streams and 1,000 submissions from many clients at once, against one server.

    python bench/load.py [--streams 200] [--jobs 1000] [--clients 50] [--workers 2]

One SQLite server (the embedded mode, as it is) with the no-op test app. At once: ``--streams`` SSE
status streams held open on queued or running jobs, ``--clients`` clients submitting ``--jobs`` jobs
between them, and a prober timing ``GET /status`` and ``/health`` every 20 ms (the server's event loop is
blocked when those stall). The prober runs in a process of its own: in this one, the streams' and
submitters' own event loop stalls for up to 0.7 s at a time (measured), which timed this client, not the
server. Reported: errors, lost or duplicated jobs (every submitted id must complete once), status latency
p50/p99/max, health max, and each stream's time to its first event.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import multiprocessing.connection
import multiprocessing.synchronize
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.server import Server, headers


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def stream(client: httpx.AsyncClient, url: str, firsts: list[float], errors: list[str]) -> None:
    start, first = time.perf_counter(), True
    try:
        async with client.stream("GET", f"{url}/stream", headers=headers(), timeout=120) as response:
            if response.status_code != 200:
                errors.append(f"stream {response.status_code}")
                return
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    if first:
                        firsts.append(time.perf_counter() - start)
                        first = False
                    if '"COMPLETED"' in line:
                        return
    except httpx.HTTPError as e:
        errors.append(f"stream {type(e).__name__}")


async def submitter(client: httpx.AsyncClient, base: str, count: int, ids: list[str],
                    errors: list[str]) -> None:
    for _ in range(count):
        try:
            response = await client.post(f"{base}/queue/test/noop", json={}, headers=headers(), timeout=60)
            if response.status_code != 200:
                errors.append(f"submit {response.status_code}")
                continue
            ids.append(response.json()["request_id"])
        except httpx.HTTPError as e:
            errors.append(f"submit {type(e).__name__}")


def prober(base: str, status_url: str, stop: multiprocessing.synchronize.Event,
           out: multiprocessing.connection.Connection) -> None:
    """In a process of its own (one connection, kept alive): (status ms, health ms), sent to ``out``."""
    status_ms: list[float] = []
    health_ms: list[float] = []
    with httpx.Client(headers=headers(), timeout=30) as client:
        while not stop.is_set():
            for url, into in ((status_url, status_ms), (f"{base}/health", health_ms)):
                start = time.perf_counter()
                client.get(url).raise_for_status()
                into.append((time.perf_counter() - start) * 1000)
            time.sleep(0.02)
    out.send((status_ms, health_ms))


async def completed(client: httpx.AsyncClient, base: str, ids: list[str]) -> tuple[int, int]:
    done, bad = 0, 0
    for job_id in ids:
        url = f"{base}/queue/test/noop/requests/{job_id}/status"
        r = await client.get(url, headers=headers(), timeout=30)
        if r.status_code == 200 and r.json()["status"] == "COMPLETED" and not r.json().get("error"):
            done += 1
        else:
            bad += 1
    return done, bad


async def run(server: Server, streams: int, jobs: int, clients: int) -> dict[str, object]:
    limits = httpx.Limits(max_connections=streams + clients + 10, max_keepalive_connections=streams + clients)
    async with httpx.AsyncClient(limits=limits) as client:
        sleeper = [await client.post(f"{server.url}/queue/test/sleep", json={"seconds": 20.0},
                                     headers=headers()) for _ in range(streams)]
        urls = [r.json()["status_url"] for r in sleeper]
        ids: list[str] = []
        errors: list[str] = []
        firsts: list[float] = []
        spawn = multiprocessing.get_context("spawn")
        stop, (results, out) = spawn.Event(), spawn.Pipe(duplex=False)
        probe = spawn.Process(target=prober, args=(server.url, urls[0], stop, out), daemon=True)
        probe.start()
        await asyncio.sleep(1.0)  # the prober is up (a spawned interpreter) before the burst
        start = time.perf_counter()
        held = [asyncio.create_task(stream(client, u, firsts, errors)) for u in urls]
        await asyncio.gather(*(submitter(client, server.url, jobs // clients, ids, errors)
                               for _ in range(clients)))
        submitted = time.perf_counter() - start
        for u in urls:  # the sleepers end the streams: cancel them
            await client.put(u.replace("/status", "/cancel"), headers=headers())
        await asyncio.gather(*held)
        await asyncio.sleep(2.0)
        stop.set()
        status_ms, health_ms = await asyncio.to_thread(results.recv)
        probe.join()
        deadline = time.monotonic() + 120
        done, bad = await completed(client, server.url, ids)
        while bad and time.monotonic() < deadline:
            await asyncio.sleep(1.0)
            done, bad = await completed(client, server.url, ids)
    return {"submitted": len(ids), "distinct": len(set(ids)), "completed": done, "not_completed": bad,
            "errors": errors, "submit_seconds": submitted, "streams_opened": len(firsts),
            "status_p50_ms": pct(status_ms, 0.5), "status_p99_ms": pct(status_ms, 0.99),
            "status_max_ms": max(status_ms), "health_max_ms": max(health_ms), "probes": len(status_ms),
            "first_event_p99_s": pct(firsts, 0.99), "first_event_median_s": statistics.median(firsts or [0])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with Server(Path(tempfile.mkdtemp()) / "data", workers=args.workers) as server:
        result = asyncio.run(run(server, args.streams, args.jobs, args.clients))
    for key, value in result.items():
        if isinstance(value, list):  # the errors: how many, and the first few kinds
            value = (len(value), sorted(set(value))[:5])
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
