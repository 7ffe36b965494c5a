"""Processes the tests start: each in a process group of its own, none outliving its test (issue 15).

``spawn`` starts a command in a new session, so that its process group holds it and everything it
starts (a server's workers); ``stop`` ends such a group and names whatever it had to SIGKILL. Tests
stop what they start (``Server`` does on exit); the fixtures in ``tests/conftest.py`` stop what a test
left running, and at the end of the run look for any soundstage process of this run still alive.
Linux only, like PR_SET_PDEATHSIG: groups and environments are read from /proc.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["RUN_VAR", "owned_by_run", "owned_by_test", "spawn", "stop"]

RUN_VAR = "PYTEST_SOUNDSTAGE_RUN"  # marks every process this test run starts, and their children
RUN_ID = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
# A server cuts its own stop short after draining HTTP (5 s), a lease for its workers (2 s in the
# tests) and a margin (5 s): 12 s (cli._stop_serving). Past this, it ignored SIGTERM.
TERM_GRACE_SECONDS = 20.0
GROUP_GRACE_SECONDS = 2.0  # issue 15: a worker is gone within 2 s of its server
POLL_SECONDS = 0.02

_live: dict[int, subprocess.Popen[bytes]] = {}  # spawned and not stopped yet, by pid


def spawn(cmd: list[str], *, env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    """Start ``cmd`` as the leader of a new process group, output appended to ``log``."""
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env={**env, RUN_VAR: RUN_ID}, cwd=cwd, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    _live[proc.pid] = proc
    return proc


def stop(proc: subprocess.Popen[bytes], term_grace: float = TERM_GRACE_SECONDS,
         group_grace: float = GROUP_GRACE_SECONDS) -> list[str]:
    """SIGTERM ``proc`` if it still runs and give it ``term_grace`` seconds, then the rest of its
    group ``group_grace`` more; SIGKILL what is left. Returns one line per process it had to kill."""
    _live.pop(proc.pid, None)
    killed: list[str] = []
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(term_grace)
        except subprocess.TimeoutExpired:
            killed.append(f"{_describe(proc.pid)} (ignored SIGTERM for {term_grace:.0f} s)")
            proc.kill()
            proc.wait()
    deadline = time.monotonic() + group_grace
    while (left := group(proc.pid)) and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    if left:
        killed += [f"{_describe(pid)} (alive {group_grace:.0f} s after its group leader)" for pid in left]
        _kill_all(left)
    return killed


def group(pgid: int) -> list[int]:
    """Live (not zombie) processes in process group ``pgid``."""
    return [pid for pid, state, pgrp in _processes() if pgrp == pgid and state not in "ZX"]


def survivors() -> list[int]:
    """Live soundstage processes started by this run, however far from it they have wandered."""
    mark = f"{RUN_VAR}={RUN_ID}".encode()
    found = []
    for pid, state, _ in _processes():
        if pid == os.getpid() or state in "ZX":
            continue
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if mark in environ and "soundstage" in _describe(pid):
            found.append(pid)
    return found


def owned_by_test() -> Iterator[None]:
    """Around one test: what it spawned and left running is stopped; a SIGKILL fails the test."""
    before = set(_live)
    yield
    killed = [line for pid in set(_live) - before for line in stop(_live[pid])]
    if killed:
        pytest.fail("had to kill processes this test left behind:\n  " + "\n  ".join(killed), pytrace=False)


def owned_by_run() -> Iterator[None]:
    """Around the whole run: a soundstage process of this run still alive at the end fails it."""
    os.environ[RUN_VAR] = RUN_ID  # so that what tests start with subprocess.run is marked too
    yield
    left = survivors()
    lines = [_describe(pid) for pid in left]
    _kill_all(left)
    if lines:
        pytest.fail("soundstage processes outlived the tests (now killed):\n  " + "\n  ".join(lines),
                    pytrace=False)


def _processes() -> Iterator[tuple[int, str, int]]:
    """(pid, state, process group) of every process, from /proc/<pid>/stat."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ", comm may hold anything
        yield int(entry.name), fields[0], int(fields[2])


def _describe(pid: int) -> str:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        cmdline = "?"
    return f"pid {pid}: {cmdline.strip()}"


def _kill_all(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5.0
    while set(pids) & _live_pids() and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)


def _live_pids() -> set[int]:
    return {pid for pid, state, _ in _processes() if state not in "ZX"}
