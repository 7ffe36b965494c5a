"""Speech benchmark 3: peak memory of a worker process with the Kokoro model loaded (target <= 600 MB).

    python bench/speech_memory.py [--threads 2]

Runs a fresh child process that imports the engine, loads the model (derived graphs already on disk, as
on every load after the first), speaks one English, one Mandarin and one Japanese sentence, and reports
its peak resident set size (ru_maxrss). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import resource, sys
sys.path.insert(0, {root!r})
sys.path.insert(0, {root!r} + "/bench")
from speech_rtf import models_dir
from soundstage.speech.engine import EngineConfig, SpeechRequest, build_engine, collect
from soundstage.speech.languages import Language
from soundstage.speech.voices import resolve_voice
engine = build_engine("kokoro", EngineConfig(models_dir(), threads={threads}))
loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
for text, lang in (("Hello, this is a memory test.", Language.EN), ("你好，这是内存测试。", Language.ZH),
                   ("こんにちは、メモリのテストです。", Language.JA)):
    collect(engine.synthesize(SpeechRequest(text, lang, resolve_voice("vivi_mixed_en_zh_ja_es_id"))))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{{loaded:.0f}} {{peak:.0f}}")
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), threads=args.threads)],
                         check=True, capture_output=True, text=True).stdout.split()
    loaded, peak = (float(x) for x in out[-2:])
    print(f"peak RSS after loading the model : {loaded:.0f} MB")
    print(f"peak RSS after en + zh + ja      : {peak:.0f} MB  (target <= 600 MB)")


if __name__ == "__main__":
    main()
