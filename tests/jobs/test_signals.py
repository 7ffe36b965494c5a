"""Issue 15: stop signals, however many, and a server's death stop every worker promptly, losing no job.

Workers used to deadlock in their SIGTERM handler when a second SIGTERM arrived inside the first
(``threading.Event.set`` takes a lock), and live on for good after their server died.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from soundstage.jobs.worker import EXIT_STOP_OVERRUN
from soundstage.stopping import StopRequest
from tests.support import procs
from tests.support.server import Server, headers

LEASE = 2.0  # SOUNDSTAGE_LEASE_SECONDS in tests.support.server
IDLE_EXIT = 2.0  # seconds: the bound for a worker whose server died
SLEEP = "test/sleep"
# A stop signal that lands once everything is released and Python has begun tearing down (which puts
# SIG_DFL back) ends the process a little early, by that signal: a shortened stop, not a lost one.
STOPPED = (0, -signal.SIGTERM)


def _status(srv: Server, job_id: str) -> str:
    r = httpx.get(f"{srv.url}/queue/{SLEEP}/requests/{job_id}/status", headers=headers())
    return str(r.json()["status"])


def _submit(srv: Server, seconds: float, steps: int) -> str:
    r = httpx.post(f"{srv.url}/queue/{SLEEP}", json={"seconds": seconds, "steps": steps}, headers=headers())
    assert r.status_code == 200, r.text
    return str(r.json()["request_id"])


def _until(what: str, done: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _completed(srv: Server, ids: list[str], seconds: float) -> None:
    _until("every job to complete", lambda: all(_status(srv, i) == "COMPLETED" for i in ids), timeout=60)
    for i in ids:
        result = httpx.get(f"{srv.url}/queue/{SLEEP}/requests/{i}", headers=headers()).json()
        assert result.get("slept") == seconds, result


def _sigterm(proc: subprocess.Popen[bytes], times: int) -> float:
    """Send SIGTERM ``times`` times, 1 ms apart (so that some land inside the handler of another);
    seconds from the first to the exit."""
    started = time.monotonic()
    for _ in range(times):
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.001)
    proc.wait(30)
    return time.monotonic() - started


def _gone_after(pgid: int) -> float:
    """Seconds until no process is left in group ``pgid``."""
    started = time.monotonic()
    _until(f"process group {pgid} to empty", lambda: not procs.group(pgid), timeout=30)
    return time.monotonic() - started


# -- the stop request itself ---------------------------------------------------------------------
def test_a_burst_of_signals_only_records_a_stop() -> None:
    before = signal.getsignal(signal.SIGTERM)  # not always SIG_DFL: an in-process CLI test may have set one
    with StopRequest() as stop:
        assert not stop.is_set() and not stop.wait(0.01)
        for _ in range(10):
            os.kill(os.getpid(), signal.SIGTERM)
        assert stop.is_set() and stop.wait(0)
        assert 1 <= stop.received <= 10
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_signal_wakes_a_wait_at_once() -> None:
    with StopRequest() as stop:
        threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGINT)).start()
        started = time.monotonic()
        assert stop.wait(10)
        assert time.monotonic() - started < 1.0


def test_other_threads_see_a_request() -> None:
    stop = StopRequest()  # not installed: request() alone
    seen: list[bool] = []
    watcher = threading.Thread(target=lambda: seen.append(stop.wait(10)))
    watcher.start()
    stop.request()
    watcher.join(5)
    assert seen == [True] and stop.is_set()


# -- workers -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bare_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server without local workers: each test brings its own."""
    with Server(tmp_path_factory.mktemp("signals"), workers=0) as srv:
        yield srv


def _bell(srv: Server, worker_id: str) -> Path:
    """Bound just before the worker starts taking jobs; removed when it has released everything."""
    return srv.data_dir / "run" / f"{worker_id}.bell"


def _worker(srv: Server, worker_id: str) -> subprocess.Popen[bytes]:
    proc = srv.worker(worker_id)
    _until(f"worker {worker_id} to start", _bell(srv, worker_id).exists)
    return proc


def _workers(srv: Server, *worker_ids: str) -> dict[str, subprocess.Popen[bytes]]:
    """Started together (they take seconds to import), ready when this returns."""
    started = {worker_id: srv.worker(worker_id) for worker_id in worker_ids}
    _until("workers to start", lambda: all(_bell(srv, w).exists() for w in worker_ids))
    return started


def _sigterm_all(plan: dict[subprocess.Popen[bytes], int]) -> dict[subprocess.Popen[bytes], float]:
    """SIGTERM each process its number of times at once; seconds from then to each one's exit."""
    with ThreadPoolExecutor(len(plan)) as pool:
        running = {proc: pool.submit(_sigterm, proc, times) for proc, times in plan.items()}
    return {proc: future.result() for proc, future in running.items()}


@pytest.mark.slow
def test_sigterm_stops_idle_workers(bare_server: Server) -> None:
    times = {"idle-x1": 1, "idle-x2": 2, "idle-x10": 10}
    workers = _workers(bare_server, *times)
    took = _sigterm_all({workers[w]: n for w, n in times.items()})
    for worker_id, proc in workers.items():
        print(f"{worker_id}: exited {proc.returncode} in {took[proc]:.3f} s")
        assert proc.returncode in STOPPED and took[proc] < IDLE_EXIT, worker_id
        assert not _bell(bare_server, worker_id).exists(), f"{worker_id} did not clean up"
        assert procs.stop(proc) == []


@pytest.mark.slow
def test_sigterm_stops_busy_workers_and_their_jobs_run_again(bare_server: Server) -> None:
    times = {"busy-x1": 1, "busy-x2": 2, "busy-x10": 10}
    workers = _workers(bare_server, *times)
    jobs = [_submit(bare_server, 1.0, 20) for _ in times]  # one each: they are all idle, jobs last 1 s
    _until("every job to start", lambda: all(_status(bare_server, j) == "IN_PROGRESS" for j in jobs))
    took = _sigterm_all({workers[w]: n for w, n in times.items()})
    for worker_id, proc in workers.items():
        print(f"{worker_id}: exited {proc.returncode} in {took[proc]:.3f} s")
        assert proc.returncode in STOPPED and took[proc] < LEASE, worker_id
        assert procs.stop(proc) == []
    assert [_status(bare_server, j) for j in jobs] == ["IN_QUEUE"] * 3  # released, not failed
    finisher = _workers(bare_server, "busy-finisher")["busy-finisher"]
    _completed(bare_server, jobs, 1.0)
    assert procs.stop(finisher) == []


@pytest.mark.slow
def test_a_worker_whose_app_never_checks_still_stops_within_the_lease(bare_server: Server) -> None:
    proc = _workers(bare_server, "stubborn")["stubborn"]
    # One check, then a 3 s sleep: only the stop guard can end it (half a lease, 1 s, after the stop).
    job = _submit(bare_server, 3.0, 1)
    _until("the job to start", lambda: _status(bare_server, job) == "IN_PROGRESS")
    took = _sigterm(proc, 10)
    print(f"stubborn: exited {proc.returncode} in {took:.3f} s")
    assert proc.returncode == EXIT_STOP_OVERRUN and took < LEASE
    assert procs.stop(proc) == []
    assert _status(bare_server, job) == "IN_QUEUE"
    finisher = _workers(bare_server, "stubborn-finisher")["stubborn-finisher"]
    _completed(bare_server, [job], 3.0)
    assert procs.stop(finisher) == []


# -- servers -------------------------------------------------------------------------------------
def _serving(srv: Server) -> None:
    """Wait until the server's workers take jobs."""
    bells = srv.data_dir / "run"
    _until("the server's workers to start", lambda: len(list(bells.glob("*.bell"))) == srv.workers)


def _killed(srv: Server) -> float:
    """SIGKILL the server alone; seconds until its workers are gone too."""
    assert srv.proc is not None
    srv.proc.kill()
    srv.proc.wait()
    return _gone_after(srv.proc.pid)


@pytest.mark.slow
def test_every_worker_leaves_within_2s_of_a_sigkilled_server(tmp_path: Path) -> None:
    with Server(tmp_path / "data", workers=2) as srv:
        _serving(srv)
        idle = _killed(srv)
    with Server(tmp_path / "data", workers=2) as srv:
        jobs = [_submit(srv, 1.0, 20) for _ in range(2)]
        _until("the jobs to start", lambda: all(_status(srv, j) == "IN_PROGRESS" for j in jobs))
        busy = _killed(srv)
    print(f"server SIGKILLed: idle workers gone in {idle:.3f} s, busy ones in {busy:.3f} s")
    assert idle < IDLE_EXIT and busy < IDLE_EXIT
    with Server(tmp_path / "data", workers=2) as srv:
        _completed(srv, jobs, 1.0)


@pytest.mark.slow
def test_a_burst_of_sigterm_stops_a_busy_server_and_its_workers(tmp_path: Path) -> None:
    with Server(tmp_path / "data", workers=2) as srv:
        jobs = [_submit(srv, 1.0, 20) for _ in range(2)]
        _until("the jobs to start", lambda: all(_status(srv, j) == "IN_PROGRESS" for j in jobs))
        assert srv.proc is not None
        took = _sigterm(srv.proc, 10)
        left = _gone_after(srv.proc.pid)
        print(f"busy server, SIGTERM x10: exited {srv.proc.returncode} in {took:.3f} s;"
              f" its workers were gone {left:.3f} s later")
        assert srv.proc.returncode in STOPPED and took < LEASE + 3 and left < 0.5
    with Server(tmp_path / "data", workers=2) as srv:
        _completed(srv, jobs, 1.0)
