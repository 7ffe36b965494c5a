"""A reference clip used as a voice: choose and blend Kokoro voices to sound like it.

Kokoro cannot clone, but its style vectors blend. The matcher embeds the clip with the speaker
encoder, ranks the Kokoro voices of the line's language by cosine similarity of their own embeddings
(shipped with the package, ``voice_embeddings.py``; others computed once from a fixed sentence and
cached in the data dir), tries the best voice and blends
of the best three, keeps the blend whose synthesized speech is closest to the clip, and shifts its
pitch toward the clip's median F0. The similarity reached is reported to the job log.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pyworld

from soundstage.audio.buffer import AudioBuffer
from soundstage.production.voice_embeddings import (
    PREFIXES,
    PROBE_TEXT,
    Provenance,
    embedding_key,
    load_shipped,
)
from soundstage.speech.embedding import SpeakerEncoder, cosine, model_path
from soundstage.speech.engine import SpeechEngine, SpeechRequest, collect
from soundstage.speech.languages import Language
from soundstage.speech.voices import KOKORO_VOICES, Gender, Rendition, Voice, VoiceMix

__all__ = ["Match", "VoiceMatcher", "median_f0"]

MAX_PITCH_SHIFT = 6.0  # semitones: beyond this WORLD resynthesis starts to sound processed
CACHE_VERSION = 1
F0_FLOOR, F0_CEIL = 60.0, 500.0  # Hz, speech


@dataclass(frozen=True)
class Match:
    voice: Voice
    similarity: float  # cosine, matched voice's speech vs the clip
    candidates: tuple[tuple[str, float], ...]  # best single Kokoro voices and their similarity


def median_f0(audio: AudioBuffer) -> float | None:
    x = audio.mono().astype(np.float64)
    f0, _ = pyworld.harvest(x, audio.rate, f0_floor=F0_FLOOR, f0_ceil=F0_CEIL)
    voiced = f0[f0 > 0]
    return float(np.median(voiced)) if len(voiced) > 10 else None


class VoiceMatcher:
    def __init__(self, engine: SpeechEngine, encoder: SpeakerEncoder, cache: Path | None,
                 shipped: Mapping[str, list[float]] | None = None) -> None:
        """``cache``: the data dir's file for embeddings computed here (None: keep them in memory);
        ``shipped``: embeddings computed ahead (None: the package's, when the engine is Kokoro's)."""
        self.engine, self.encoder, self.cache_path = engine, encoder, cache
        if shipped is None:
            shipped = load_shipped(Provenance.current(model_path())) if engine.name == "kokoro" else {}
        self._shipped = dict(shipped)
        self._cache: dict[str, list[float]] = self._load()

    def _load(self) -> dict[str, list[float]]:
        if self.cache_path is None:
            return {}
        try:
            data = json.loads(self.cache_path.read_text())
            return data["embeddings"] if data.get("version") == CACHE_VERSION else {}
        except (OSError, ValueError, KeyError):
            return {}

    def _save(self) -> None:
        if self.cache_path is None:
            return
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.cache_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"version": CACHE_VERSION, "embeddings": self._cache}))
        tmp.replace(self.cache_path)

    def _speak(self, mix: VoiceMix, language: Language, pitch: float = 0.0) -> AudioBuffer:
        gender = Gender.FEMALE if mix.parts[0][0][1] == "f" else Gender.MALE
        voice = Voice("probe", gender, "probe", MappingProxyType({language: Rendition(mix, pitch=pitch)}),
                      "custom")
        return collect(self.engine.synthesize(SpeechRequest(PROBE_TEXT[language], language, voice))).audio

    def _embedding(self, name: str, language: Language) -> np.ndarray:
        return self.embedding(VoiceMix.of(name), language)

    def embedding(self, mix: VoiceMix, language: Language) -> np.ndarray:
        """The speaker embedding of a blend speaking the probe sentence, cached in the data dir."""
        language = language if language in PROBE_TEXT else Language.EN
        key = embedding_key(mix, language)
        if key in self._shipped:
            return np.asarray(self._shipped[key], dtype=np.float32)
        if key not in self._cache:
            self._cache[key] = self.encoder.embed(self._speak(mix, language)).tolist()
            self._save()
        return np.asarray(self._cache[key], dtype=np.float32)

    def similarity(self, a: Voice, b: Voice, language: Language) -> float:
        return cosine(self.embedding(a.rendition(language).mix, language),
                      self.embedding(b.rendition(language).mix, language))

    def match(self, clip: AudioBuffer, language: Language, name: str,
              log: Callable[[str], None] = lambda _: None) -> Match:
        language = language if language in PROBE_TEXT else Language.EN
        target = self.encoder.embed(clip)
        pool = [v for v in KOKORO_VOICES if v[0] in PREFIXES[language]]
        ranked = sorted(((v, cosine(target, self._embedding(v, language))) for v in pool),
                        key=lambda x: -x[1])
        top = ranked[:3]
        weights = np.exp(np.array([s for _, s in top]) * 10.0)
        options = [VoiceMix.of(top[0][0]), VoiceMix(tuple((n, 0.5) for n, _ in top[:2])),
                   VoiceMix(tuple((n, float(w)) for (n, _), w in zip(top, weights / weights.sum())))]
        scored = [(mix, cosine(target, self.encoder.embed(self._speak(mix, language)))) for mix in options]
        best, similarity = max(scored, key=lambda x: x[1])
        pitch = self._pitch(clip, best, language)
        if pitch:
            shifted = cosine(target, self.encoder.embed(self._speak(best, language, pitch)))
            pitch, similarity = (pitch, shifted) if shifted >= similarity else (0.0, similarity)
        log(f"reference voice {name}: blend { {n: round(w, 2) for n, w in best.parts} }, pitch {pitch:+.1f}"
            f" semitones, similarity {similarity:.3f} (best single voice {top[0][0]} {top[0][1]:.3f})")
        gender = Gender.FEMALE if best.parts[0][0][1] == "f" else Gender.MALE
        voice = Voice(name, gender, f"matched to {name}",
                      MappingProxyType({language: Rendition(best, pitch=pitch)}), "reference")
        return Match(voice, similarity, tuple(top))

    def _pitch(self, clip: AudioBuffer, mix: VoiceMix, language: Language) -> float:
        want, have = median_f0(clip), median_f0(self._speak(mix, language))
        if not want or not have:
            return 0.0
        shift = 12.0 * float(np.log2(want / have))
        return (float(np.clip(round(shift * 2) / 2, -MAX_PITCH_SHIFT, MAX_PITCH_SHIFT)) if abs(shift) >= 0.5
                else 0.0)
