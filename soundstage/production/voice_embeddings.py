"""Speaker embeddings of the shipped voices, computed ahead and shipped with the package (issue 9).

Casting (the most distinct preset for each speaker) and reference matching (the Kokoro voices
nearest a clip) compare speaker embeddings of voices speaking a probe sentence. Computing them on a
new data directory took 2-3 minutes at the first multi-speaker or reference request; they depend only
on the model, the voice packs, the speaker encoder and the probe sentences, so they are computed once
here (``python -m soundstage.production.voice_embeddings``) and shipped as ``voice_embeddings.json``:

- every Kokoro voice alone, and every preset's rendition, in each probe language;
- computed with one thread in a fixed order and rounded to ``DECIMALS``, so a rebuild gives the same
  file (what the test checks, within rounding, on a sample);
- the file records the digests of what it was computed from (model, voice packs, encoder, probe
  texts) and the SHA-256 of its own embeddings; a file that does not match either is not used, and
  the matcher falls back to computing (and caching in the data dir) as before.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from soundstage.speech.languages import Language
from soundstage.speech.voices import KOKORO_VOICES, VoiceMix, preset_voices

__all__ = ["DECIMALS", "PREFIXES", "PROBE_TEXT", "SHIPPED", "Provenance", "build", "embedding_key",
           "load_shipped", "wanted"]

log = logging.getLogger("soundstage.voice_embeddings")

FORMAT = 1
DECIMALS = 5  # embeddings are unit vectors: 1e-5 is far below any similarity difference that matters
SHIPPED = "voice_embeddings.json"
PROBE_TEXT = {  # about four seconds of ordinary speech per language
    Language.EN: "The quick brown fox jumps over the lazy dog, and then it runs back home for dinner.",
    Language.ZH: "今天天气很好，我们一起去公园散步，然后回家吃晚饭。",
    Language.JA: "今日はとても良い天気なので、公園を散歩してから家に帰ります。",
    Language.ES: "Hoy hace muy buen tiempo, así que vamos a caminar por el parque y luego volvemos a casa.",
    Language.PT: "Hoje o tempo está ótimo, então vamos caminhar no parque e depois voltar para casa.",
}
PREFIXES = {Language.EN: "ab", Language.ZH: "z", Language.JA: "j", Language.ES: "e", Language.PT: "p",
            Language.FR: "f", Language.IT: "i", Language.HI: "h"}


def embedding_key(mix: VoiceMix, language: Language) -> str:
    return "+".join(f"{n}*{w:.3f}" for n, w in sorted(mix.parts)) + f":{language.value}"


@dataclass(frozen=True)
class Provenance:
    """What the embeddings were computed from; shipped ones are used only when all of it matches."""

    model: str  # SHA-256 of the Kokoro ONNX model
    voices: str  # integrity hash of the voice-pack tarball
    encoder: str  # SHA-256 of the speaker encoder's ONNX file
    probes: str  # SHA-256 of the probe sentences

    @classmethod
    def current(cls, encoder_path: Path) -> Provenance:
        from soundstage.speech.assets import MODEL_SHA256, VOICES_INTEGRITY

        probes = json.dumps({k.value: v for k, v in PROBE_TEXT.items()}, ensure_ascii=False, sort_keys=True)
        return cls(MODEL_SHA256, VOICES_INTEGRITY, hashlib.sha256(encoder_path.read_bytes()).hexdigest(),
                   hashlib.sha256(probes.encode()).hexdigest())

    def to_json(self) -> dict[str, str]:
        return {"model": self.model, "voices": self.voices, "encoder": self.encoder, "probes": self.probes}


def wanted() -> list[tuple[VoiceMix, Language]]:
    """Every (blend, language) casting and matching look up: each Kokoro voice in its probe languages
    (all voices for English, the fallback), and each preset's rendition (native or not) in each."""
    pairs: dict[str, tuple[VoiceMix, Language]] = {}
    for language in PROBE_TEXT:
        singles = [VoiceMix.of(n) for n in KOKORO_VOICES if n[0] in PREFIXES[language]]
        renditions = [v.rendition(language).mix for v in preset_voices()]
        for mix in (*singles, *renditions):
            pairs.setdefault(embedding_key(mix, language), (mix, language))
    return [pairs[k] for k in sorted(pairs)]


def _digest(embeddings: Mapping[str, list[float]]) -> str:
    return hashlib.sha256(json.dumps(embeddings, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def load_shipped(provenance: Provenance, path: Path | None = None) -> dict[str, list[float]]:
    """The shipped embeddings, or {} when the file is missing, altered, or computed from other assets."""
    try:
        raw = (path.read_text() if path is not None
               else resources.files("soundstage.production").joinpath(SHIPPED).read_text())
        data = json.loads(raw)
    except (OSError, ValueError) as e:
        log.warning("shipped voice embeddings unreadable (%s): computing on first need", e)
        return {}
    embeddings = data.get("embeddings", {})
    if data.get("format") != FORMAT or data.get("sha256") != _digest(embeddings):
        log.warning("shipped voice embeddings fail their checksum: not used")
        return {}
    if data.get("provenance") != provenance.to_json():
        log.warning("shipped voice embeddings were computed from other assets: not used")
        return {}
    return {str(k): list(v) for k, v in embeddings.items()}


def document(embeddings: Mapping[str, Iterable[float]], provenance: Provenance) -> dict[str, object]:
    rounded = {k: [round(float(x), DECIMALS) for x in v] for k, v in sorted(embeddings.items())}
    return {"format": FORMAT, "provenance": provenance.to_json(), "sha256": _digest(rounded),
            "embeddings": rounded}


def build(models: Path, out: Path) -> int:
    """Compute every wanted embedding with one thread, in a fixed order; returns how many.

    Embeddings already in ``out`` (same provenance, intact) are kept: each is a pure function of its
    blend and language, so an update after a preset changes computes only the new blends."""
    from soundstage.production.voice_match import VoiceMatcher
    from soundstage.speech.embedding import load_speaker_encoder, model_path
    from soundstage.speech.engine import EngineConfig
    from soundstage.speech.kokoro import build_kokoro_engine

    provenance = Provenance.current(model_path())
    kept = load_shipped(provenance, out) if out.is_file() else {}
    engine = build_kokoro_engine(EngineConfig(models, threads=1, fetch=True))
    matcher = VoiceMatcher(engine, load_speaker_encoder(threads=1), cache=None, shipped=kept)
    embeddings = {}
    for n, (mix, language) in enumerate(wanted(), start=1):
        key = embedding_key(mix, language)
        embeddings[key] = kept[key] if key in kept else matcher.embedding(mix, language).tolist()
        log.info("%d: %s%s", n, key, " (kept)" if key in kept else "")
        if n % 10 == 0:  # a long first build can be resumed
            _write(out, embeddings, provenance)
    _write(out, embeddings, provenance)
    return len(embeddings)


def _write(out: Path, embeddings: Mapping[str, Iterable[float]], provenance: Provenance) -> None:
    text = json.dumps(document(embeddings, provenance), indent=0, sort_keys=True)
    out.write_text(text.replace("\n", "") + "\n")  # one line: a diff of a rebuild is a yes or a no


def main() -> None:
    parser = argparse.ArgumentParser(description="Compute the shipped voice embeddings (issue 9).")
    parser.add_argument("--models", type=Path, default=Path("data/models"))
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name(SHIPPED))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(f"{build(args.models, args.out)} embeddings written to {args.out}")


if __name__ == "__main__":
    main()
