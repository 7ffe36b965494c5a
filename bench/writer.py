"""The embedded writer (issue 11): tokens per second, time to a finished 30 s drama, worker peak memory.

    python bench/writer.py [--threads 1] [--runs 2]

1. In this process: load Qwen2.5-Coder-1.5B-Instruct Q4_K_M (fetched on first need into the test cache),
   then write the headline instruction's script ``--runs`` times with different seeds: load time, prompt and
   answer tokens, tokens per second.
2. Through a real server with one worker and fal-client: "Generate a short suspense radio drama in a
   late-night convenience store" from submit to a finished file, first on a cold worker (the model loads
   inside the job) and then warm; the audio's duration; the worker's peak resident memory (VmHWM) with the
   writer and speech loaded. Targets: a short drama in <= 90 s on 2 cores, <= 3 GB resident.
Nothing is asserted: the machine is shared, so the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fal_client

import soundstage.falclient
from soundstage.script.brief import make_brief
from soundstage.script.embedded import EmbeddedConfig, EmbeddedWriter
from soundstage.script.writer_assets import ensure_writer_assets
from tests.apps.conftest import models_cache
from tests.support.server import TEST_KEY, Server

APP = "bytedance/seed-audio-1.0"
HEADLINE = "Generate a short suspense radio drama in a late-night convenience store"


def _load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def in_process(models: Path, threads: int, runs: int) -> None:
    writer = EmbeddedWriter(EmbeddedConfig(models, threads=threads))
    started = time.monotonic()
    writer.load()
    print(f"load: {time.monotonic() - started:.1f} s ({threads} thread(s), {_load()})")
    for seed in range(1, runs + 1):
        answer = writer.draft(make_brief(HEADLINE), seed)
        print(f"draft {seed}: prompt {answer.prompt_tokens} tokens, answer {answer.tokens} tokens in "
              f"{answer.seconds:.1f} s = {answer.tokens_per_second:.1f} tokens/s ({_load()})")


def _peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def end_to_end(models: Path, threads: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        (data / "models").symlink_to(models, target_is_directory=True)
        env = {"SOUNDSTAGE_WRITER": "embedded", "SOUNDSTAGE_WRITER_THREADS": str(threads),
               "SOUNDSTAGE_SPEECH_THREADS": "2"}
        with Server(data, workers=1, env=env) as srv:
            soundstage.falclient.use_server(srv.url)
            client = fal_client.SyncClient(key=TEST_KEY, default_timeout=1800)
            for label, seed in (("cold worker", 1), ("warm worker", 2)):
                started = time.monotonic()
                result = client.subscribe(APP, arguments={"prompt": HEADLINE, "output_format": "wav",
                                                          "seed": seed})
                wall = time.monotonic() - started
                print(f"{label}: {result['audio']['duration']:.1f} s of drama in {wall:.1f} s end to end"
                      f" ({_load()})")
            peaks = [_peak_mib(pid) for pid in srv.worker_pids()]
            print(f"worker peak resident memory (writer + speech loaded): {max(peaks, default=0):.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--skip-server", action="store_true")
    args = parser.parse_args()
    models = models_cache()
    started = time.monotonic()
    ensure_writer_assets(models)
    print(f"writer model ready in {time.monotonic() - started:.1f} s (cached after the first fetch)")
    in_process(models, args.threads, args.runs)
    if not args.skip_server:
        end_to_end(models, args.threads)


if __name__ == "__main__":
    main()
