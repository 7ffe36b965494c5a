"""Issue 9: first casting in seconds: the voice embeddings ship with the package, checksummed.

The first multi-speaker or reference request on a new data directory used to spend 2-3 minutes
synthesizing and embedding every voice. ``soundstage/production/voice_embeddings.json`` now holds them
(computed by ``python -m soundstage.production.voice_embeddings``); these tests hold it to the current
presets, check it is refused when altered or computed from other assets, that casting and reference
ranking synthesize nothing with it, and (slow) that a rebuild reproduces it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from soundstage.production.casting import cast
from soundstage.production.voice_embeddings import (
    PREFIXES,
    PROBE_TEXT,
    SHIPPED,
    Provenance,
    embedding_key,
    load_shipped,
    wanted,
)
from soundstage.production.voice_match import VoiceMatcher
from soundstage.script.model import Line, Mode, Script, Speaker
from soundstage.speech.embedding import load_speaker_encoder, model_path
from soundstage.speech.engine import SpeechChunk, SpeechRequest
from soundstage.speech.kokoro import KokoroEngine
from soundstage.speech.languages import Language
from soundstage.speech.voices import KOKORO_VOICES, VoiceMix

FILE = Path(__file__).resolve().parents[2] / "soundstage" / "production" / SHIPPED
LINES = {Language.EN: "Hello there.", Language.ZH: "你好。", Language.JA: "こんにちは。",
         Language.ES: "Hola a todos.", Language.PT: "Olá a todos."}


def test_issue9_shipped_embeddings_cover_every_lookup_and_verify() -> None:
    shipped = load_shipped(Provenance.current(model_path()))
    missing = [embedding_key(m, lang) for m, lang in wanted() if embedding_key(m, lang) not in shipped]
    assert not missing, f"{len(missing)} not shipped (python -m soundstage.production.voice_embeddings)"
    vectors = np.array(list(shipped.values()))
    assert vectors.shape[1] == 256 and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)


def test_issue9_altered_or_foreign_embeddings_are_not_used(tmp_path: Path) -> None:
    data = json.loads(FILE.read_text())
    key = next(iter(data["embeddings"]))
    tampered = {**data, "embeddings": {**data["embeddings"], key: [0.0] * 256}}
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    provenance = Provenance.current(model_path())
    assert load_shipped(provenance, tmp_path / "tampered.json") == {}
    assert load_shipped(replace(provenance, model="0" * 64), FILE) == {}
    assert load_shipped(provenance, tmp_path / "absent.json") == {}


class Counting:
    """The real engine, counting what it is asked to synthesize."""

    def __init__(self, engine: KokoroEngine) -> None:
        self.engine, self.name, self.calls = engine, engine.name, 0

    def languages(self) -> frozenset[Language]:
        return self.engine.languages()

    def synthesize(self, request: SpeechRequest) -> Iterator[SpeechChunk]:
        self.calls += 1
        return self.engine.synthesize(request)


@pytest.mark.slow
def test_issue9_first_casting_synthesizes_nothing(kokoro: KokoroEngine, tmp_path: Path) -> None:
    engine = Counting(kokoro)
    new_data_dir = tmp_path / "data"
    matcher = VoiceMatcher(engine, load_speaker_encoder(), new_data_dir / "models" / "voice-embeddings.json")
    for language, text in LINES.items():
        names = ("ANN", "BOB", "CY", "DEE")
        script = Script(Mode.SCRIPT, tuple(Line(n, text) for n in names), tuple(Speaker(n) for n in names))
        assert len(cast(script, None, {}, seed=3, similarity=matcher.similarity)) == len(names)
        for name in (n for n in KOKORO_VOICES if n[0] in PREFIXES[language]):  # reference ranking
            matcher.embedding(VoiceMix.of(name), language)
    assert engine.calls == 0, f"{engine.calls} syntheses on a new data directory"


@pytest.mark.slow
def test_issue9_rebuild_reproduces_the_shipped_embeddings(models_dir: Path) -> None:
    from soundstage.speech.engine import EngineConfig
    from soundstage.speech.kokoro import build_kokoro_engine

    shipped = load_shipped(Provenance.current(model_path()))
    engine = build_kokoro_engine(EngineConfig(models_dir, threads=1, fetch=False))  # as the build runs
    fresh = VoiceMatcher(engine, load_speaker_encoder(threads=1), cache=None, shipped={})
    sample = [(VoiceMix.of("af_heart"), Language.EN), (VoiceMix.of("zf_xiaoyi"), Language.ZH),
              (VoiceMix.of("ef_dora"), Language.ES)]
    for mix, language in sample:
        assert language in PROBE_TEXT
        again = fresh.embedding(mix, language)
        assert np.abs(again - np.asarray(shipped[embedding_key(mix, language)])).max() < 1e-4
