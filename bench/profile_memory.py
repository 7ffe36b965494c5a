"""Where a production's memory goes (issue 16): one seed-audio run in this process under tracemalloc.

    python bench/profile_memory.py [--case voice2m|scene90s|10s|2m|10m|scene5m] [--top 15] [--no-trace]

Runs the app exactly as a worker does (``seed_audio_app().load`` on the worker's ``Engines``, with a
minimal ``RunContext`` that saves files to a scratch dir), after a short warm-up of the same kind so the
model and the sound registry are loaded. The cases are ``bench/long_form.py``'s prose and script
(``voice2m``: two minutes of one voice, mp3 at 24 kHz; ``scene90s``: a 90 s designed scene at 48 kHz,
stems on).

Stages are the production's own functions, wrapped here (nothing in the package changes): each
boundary records the traced peak (``tracemalloc``, numpy arrays included) and the peak RSS
(``VmHWM``, reset at every boundary through ``/proc/self/clear_refs``) of the stage innermost at the
time. A sampling thread snapshots the traces whenever the traced total reaches a new high; the
highest snapshot is broken down by the stage whose code allocated each block and by the innermost
soundstage line. ``--no-trace`` measures the stages' RSS without tracemalloc's own overhead.
"""

from __future__ import annotations

import argparse
import ast
import functools
import importlib
import shutil
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from long_form import MODELS, case, prose, scene

from soundstage.apps.base import AppEnv, OutputFile
from soundstage.apps.seed_audio.app import seed_audio_app
from soundstage.apps.seed_audio.schema import SeedAudioInput, SeedAudioOutput
from soundstage.services import Engines
from soundstage.settings import Settings

MIB = 1024 * 1024
SAMPLE_SECONDS = 0.05  # how often the sampler looks for a new traced high
NEW_HIGH = 1.02  # a snapshot only when the traced total is 2 % above the last one's
# (module, function, stage): innermost wins, so "render" is what render_plan (b2cdc81) or render_stream
# (the block renderer) does outside the others. Names missing in a version are skipped, so one list
# serves both: the whole-array renderer of b2cdc81 and the block renderer after it.
STAGES = (
    ("soundstage.production.produce", "_speak_all", "speak (Kokoro, line by line)"),
    ("soundstage.production.produce", "build_scene", "scene sources (beds, music, room)"),
    ("soundstage.production.produce", "_written_cues", "written spot cues"),
    # b2cdc81: whole-programme arrays (resample runs in both renderers)
    ("soundstage.production.produce", "render_plan", "render (other)"),
    ("soundstage.audio.render", "resample", "render: resample sources"),
    ("soundstage.audio.render", "_render_track", "render: tracks"),
    ("soundstage.audio.render", "apply_reverb", "render: reverb"),
    ("soundstage.audio.render", "_sum", "render: sums (key, premaster)"),
    ("soundstage.audio.render", "duck_gain", "render: ducking gain"),
    ("soundstage.audio.render", "master_gain", "render: master gain (loudness, limiter)"),
    ("soundstage.audio.render", "apply_gain", "render: apply gain (stems, master)"),
    # the block renderer: every walk spilled to disk
    ("soundstage.production.produce", "render_stream", "render_stream (other)"),
    ("soundstage.audio.render", "_mix_tracks", "render: tracks, block by block (spilled)"),
    ("soundstage.audio.render", "_premaster", "render: premaster (ducked sum, metered)"),
    ("soundstage.audio.render", "master_curve", "render: master curve (make-up, limiter)"),
    ("soundstage.audio.render", "_mastered", "render: master and stems written"),
    # delivery (encode: b2cdc81; encode_stream: the block renderer)
    ("soundstage.apps.seed_audio.app", "finish", "finish (volume)"),
    ("soundstage.apps.seed_audio.deliver", "encode", "encode"),
    ("soundstage.apps.seed_audio.deliver", "encode_stream", "encode (block by block, to a temp file)"),
    ("soundstage.apps.seed_audio.deliver", "probe", "probe (the file written)"),
)
OTHER = "app (outside the stages)"


def _read_status(key: str) -> int:
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith(key + ":"):
            return int(row.split()[1]) * 1024
    raise KeyError(key)


def _reset_hwm() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # Linux 4.0+: VmHWM back to the current RSS


@dataclass
class Stage:
    calls: int = 0
    seconds: float = 0.0
    traced_peak: int = 0
    rss_peak: int = 0
    left_alive: int = 0
    """Traced bytes still allocated when the stage returned, over those at its start (all calls)."""


@dataclass
class Meter:
    """Stage accounting: every boundary closes an interval for the innermost running stage."""

    trace: bool
    stages: dict[str, Stage] = field(default_factory=lambda: defaultdict(Stage))
    stack: list[str] = field(default_factory=list)
    mark: float = field(default_factory=time.perf_counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def boundary(self) -> None:
        stage = self.stages[self.stack[-1] if self.stack else OTHER]
        now = time.perf_counter()
        stage.seconds += now - self.mark
        self.mark = now
        stage.rss_peak = max(stage.rss_peak, _read_status("VmHWM"))
        _reset_hwm()
        if self.trace:
            stage.traced_peak = max(stage.traced_peak, tracemalloc.get_traced_memory()[1])
            tracemalloc.reset_peak()

    def traced(self) -> int:
        return tracemalloc.get_traced_memory()[0] if self.trace else 0

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def staged(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                self.boundary()
                self.stack.append(name)
                self.stages[name].calls += 1
                before = self.traced()
            try:
                return fn(*args, **kwargs)
            finally:
                with self.lock:
                    self.boundary()
                    self.stack.pop()
                    self.stages[name].left_alive += self.traced() - before
        return staged


@contextmanager
def staged(meter: Meter) -> Iterator[list[tuple[str, str, int, int]]]:
    """Wrap every stage function in place (restored on exit); yields each stage's code range as
    (stage, file, first line, last line), to tell which stage allocated a traced block."""
    saved, ranges = [], []
    for module_name, attr, name in STAGES:
        module = importlib.import_module(module_name)
        fn = getattr(module, attr, None)
        if fn is None:
            print(f"(no {module_name}.{attr} in this version: stage {name!r} not measured)")
            continue
        saved.append((module, attr, fn))
        setattr(module, attr, meter.wrap(name, fn))
        code = fn.__code__
        ranges.append((name, code.co_filename, code.co_firstlineno,
                       max(ln for _, _, ln in code.co_lines() if ln is not None)))
    try:
        yield ranges
    finally:
        for module, attr, fn in saved:
            setattr(module, attr, fn)


class Sampler(threading.Thread):
    """Snapshots the traces at each new traced high (2 % steps)."""

    def __init__(self, meter: Meter) -> None:
        super().__init__(daemon=True)
        self.meter = meter
        self.best: tracemalloc.Snapshot | None = None
        self.best_size = 0
        self.best_stage = ""
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(SAMPLE_SECONDS):
            size = tracemalloc.get_traced_memory()[0]
            if size > self.best_size * NEW_HIGH:
                stage = self.meter.stack[-1] if self.meter.stack else OTHER
                self.best, self.best_size, self.best_stage = tracemalloc.take_snapshot(), size, stage


@functools.cache
def _functions(filename: str) -> list[tuple[int, int, str]]:
    try:
        tree = ast.parse(Path(filename).read_text())
    except (OSError, SyntaxError):
        return []
    return [(n.lineno, n.end_lineno or n.lineno, n.name) for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _where(frame: tracemalloc.Frame) -> str:
    inner = [(lo, name) for lo, hi, name in _functions(frame.filename) if lo <= frame.lineno <= hi]
    func = max(inner)[1] if inner else "?"
    short = frame.filename.split("site-packages/")[-1].split("/soundstage/", 1)[-1]
    return f"{short}:{frame.lineno} {func}"


def breakdown(snapshot: tracemalloc.Snapshot, ranges: list[tuple[str, str, int, int]],
              top: int) -> tuple[list[tuple[str, int]], list[tuple[str, int, int]]]:
    """Bytes alive in ``snapshot`` by allocating stage, and by innermost soundstage line."""
    by_stage: dict[str, int] = defaultdict(int)
    by_site: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for trace in snapshot.traces:
        frames = list(reversed(trace.traceback))  # innermost first
        label = next((name for f in frames for name, file, lo, hi in ranges
                      if f.filename == file and lo <= f.lineno <= hi), OTHER)
        by_stage[label] += trace.size
        own = next((f for f in frames if "/soundstage/" in f.filename), frames[0])
        site = by_site[_where(own)]
        site[0] += trace.size
        site[1] += 1
    stages = sorted(by_stage.items(), key=lambda kv: -kv[1])
    sites = sorted(((k, v[0], v[1]) for k, v in by_site.items()), key=lambda kv: -kv[1])[:top]
    return stages, sites


@dataclass
class Context:
    """The smallest ``RunContext``: files to a scratch dir, log lines kept, never cancelled."""

    out: Path
    request_id: str = "profile-memory"
    seed: int = 1
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(1))
    logs: list[str] = field(default_factory=list)

    def log(self, message: str, level: str = "INFO") -> None:
        self.logs.append(f"{level} {message}")

    def progress(self, fraction: float, message: str | None = None) -> None:
        pass

    def cancelled(self) -> bool:
        return False

    def check_cancelled(self) -> None:
        pass

    def emit(self, event: Any) -> None:
        pass

    def save(self, data: bytes | IO[bytes], *, file_name: str, content_type: str) -> OutputFile:
        path = self.out / file_name
        with path.open("wb") as dst:
            if isinstance(data, bytes):
                dst.write(data)
            else:
                shutil.copyfileobj(data, dst)
        return OutputFile(url=f"file://{path}", content_type=content_type, file_name=file_name,
                          file_size=path.stat().st_size)

    def fetch(self, url: str, *, field: str, limit: int) -> tuple[bytes, str]:
        raise NotImplementedError(f"{field}: this profile takes no input files")


def arguments(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The case's input, and a short warm-up of the same kind."""
    if name == "voice2m":
        full = {**case("2m").arguments, "prompt": prose(120.0)}
    elif name == "scene90s":
        full = {**case("scene5m").arguments, "prompt": scene(90.0)}
    else:
        full = case(name).arguments
    short = prose(3.0) if full["mode"] == "text" else scene(8.0)
    return full, {**full, "prompt": short}


def report(meter: Meter, sampler: Sampler | None, ranges: list[tuple[str, str, int, int]], top: int) -> None:
    """The stages in the order they first ran; then the breakdown of the traced high."""
    traced = f" {'traced peak':>11} {'left alive':>10}" if meter.trace else ""
    print(f"\n{'stage':<42} {'calls':>5} {'s':>7} {'RSS peak':>9}{traced}  (MiB)")
    for name, s in meter.stages.items():
        traced = f" {s.traced_peak / MIB:>11.1f} {s.left_alive / MIB:>10.1f}" if meter.trace else ""
        print(f"{name:<42} {s.calls:>5} {s.seconds:>7.1f} {s.rss_peak / MIB:>9.0f}{traced}")
    if sampler is None or sampler.best is None:
        return
    stages, sites = breakdown(sampler.best, ranges, top)
    print(f"\nat the traced high ({sampler.best_size / MIB:.1f} MiB, during {sampler.best_stage}),"
          " by the stage that allocated it:")
    for name, size in stages:
        print(f"  {size / MIB:>8.1f} MiB  {name}")
    print("and by the innermost soundstage line:")
    for where, size, count in sites:
        print(f"  {size / MIB:>8.1f} MiB  {count:>6} blocks  {where}")


def profile(full: dict[str, Any], warm: dict[str, Any], data: Path,
            trace: bool) -> tuple[SeedAudioOutput, Meter, Sampler | None, list[tuple[str, str, int, int]]]:
    """The warm-up, then the case with its stages wrapped (and traced)."""
    (data / "models").symlink_to(MODELS, target_is_directory=True)
    settings = Settings(data_dir=data, writer="off")
    run = seed_audio_app().load(AppEnv(settings, Engines(settings)))
    started = time.perf_counter()
    run(SeedAudioInput(**warm), Context(data))
    print(f"warm-up {time.perf_counter() - started:.1f} s; RSS {_read_status('VmRSS') / MIB:.0f} MiB,"
          f" peak so far {_read_status('VmHWM') / MIB:.0f} MiB")
    meter = Meter(trace=trace)
    sampler = Sampler(meter) if trace else None
    with staged(meter) as ranges:
        if sampler is not None:
            tracemalloc.start(40)
            sampler.start()
        _reset_hwm()
        meter.mark = time.perf_counter()
        out = run(SeedAudioInput(**full), Context(data))
        meter.boundary()
        if sampler is not None:
            sampler.halt.set()
            sampler.join()
    assert isinstance(out, SeedAudioOutput)
    return out, meter, sampler, ranges


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--case", default="voice2m")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--no-trace", action="store_true", help="RSS by stage only, without tracemalloc")
    args = parser.parse_args()
    full, warm = arguments(args.case)
    with tempfile.TemporaryDirectory(prefix="profile-memory-") as scratch:
        out, meter, sampler, ranges = profile(full, warm, Path(scratch), trace=not args.no_trace)
    stages = meter.stages.values()
    total = sum(s.seconds for s in stages)
    print(f"{args.case}: {out.audio.duration:.1f} s of audio, {out.audio.channels} ch,"
          f" {out.audio.sample_rate} Hz, {1 + len(out.stems or [])} file(s); {total:.1f} s"
          f"{' under tracemalloc' if sampler else ''}")
    print(f"peak RSS during the run {max(s.rss_peak for s in stages) / MIB:.0f} MiB"
          + (" (tracemalloc's own bookkeeping included); traced peak"
             f" {max(s.traced_peak for s in stages) / MIB:.1f} MiB" if sampler else ""))
    report(meter, sampler, ranges, args.top)


if __name__ == "__main__":
    main()
