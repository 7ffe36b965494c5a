"""Kokoro-82M (int8 ONNX) through onnxruntime: the default speech engine.

The int8 export's only output is audio, but its duration predictor's rounded frames per token exist
inside the graph as ``/encoder/Round_output_0``. At first load we write two derived graphs beside the
model: one with that tensor added as an output (exact phoneme timings at no cost), and the predictor
alone (14.6 MB, ~60 ms for 100 tokens on 2 threads vs ~1 s for the whole model), which lets the speed
control be calibrated before synthesis. Later loads need neither network nor the ``onnx`` package.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from soundstage.audio.buffer import SPEECH_RATE, AudioBuffer
from soundstage.cancellation import CancelCheck, never
from soundstage.cancellation import check as _check
from soundstage.errors import AssetError, Cancelled
from soundstage.speech.assets import KokoroAssets, ensure_kokoro_assets, find_kokoro_assets
from soundstage.speech.controls import apply_volume, shift_pitch, time_stretch
from soundstage.speech.engine import EngineConfig, SpeechChunk, SpeechRequest
from soundstage.speech.frontend.langid import identify_spans
from soundstage.speech.frontend.normalize import normalize
from soundstage.speech.frontend.phonemes import G2PSet, Phonemes, concat_phonemes
from soundstage.speech.frontend.split import MAX_PHONEMES, split_phonemes, split_sentences
from soundstage.speech.languages import Language
from soundstage.speech.timings import FRAME_SAMPLES, timings_from_frames
from soundstage.speech.voices import Rendition, Voice, VoiceMix

__all__ = ["DURATIONS_TENSOR", "KokoroEngine", "KokoroModel", "build_kokoro_engine", "load_kokoro"]

DURATIONS_TENSOR = "/encoder/Round_output_0"
STYLE_DIM = 256  # Kokoro style vector: 128 for the decoder, 128 for the prosody predictor
PAD_ID = 0  # Kokoro's start/end token
CALIBRATION_STEPS = 2
CANCEL_POLL_SECONDS = 0.05  # a cancelled model call stops this long after the job's cancel is seen
_TIMED = "model.timed.onnx"
_DURATIONS = "model.durations.onnx"

Audio = npt.NDArray[np.float32]


def _run(session: Any, outputs: list[str] | None, feed: dict[str, Any], cancelled: CancelCheck) -> list[Any]:
    """``session.run`` that stops mid-call once ``cancelled()`` is true (issue 9).

    One sentence can take tens of seconds on a busy machine, so checking between chunks alone is
    not enough: a watcher sets onnxruntime's ``RunOptions.terminate``, which aborts the run within
    a few milliseconds (measured: 40 ms).
    """
    if cancelled is never:
        return session.run(outputs, feed)  # type: ignore[no-any-return]
    import onnxruntime as ort

    options = ort.RunOptions()
    done = threading.Event()

    def watch() -> None:
        while not done.wait(CANCEL_POLL_SECONDS):
            if cancelled():
                options.terminate = True
                return

    watcher = threading.Thread(target=watch, daemon=True, name="kokoro-cancel")
    watcher.start()
    try:
        return session.run(outputs, feed, options)  # type: ignore[no-any-return]
    except Exception as e:  # onnxruntime's Fail has no importable public type
        if options.terminate:
            raise Cancelled() from e
        raise
    finally:
        done.set()


class KokoroModel:
    """The loaded Kokoro graphs, its vocabulary and voice packs. One per worker process."""

    def __init__(self, assets: KokoroAssets, threads: int) -> None:
        import onnxruntime as ort

        timed, durations = _derived_graphs(assets)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        # Idle threads sleep instead of spin-waiting: on a shared 2-core machine spinning burns the core
        # another process needs (measured under load: 2 threads, 3.55 s of audio, 5.2 s -> 2.4 s wall).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # Memory patterns are planned per input shape and kept: every sentence length is a new shape, so
        # resident memory grew with the length of a read (issue 16: 2 min of prose peaked 55 MiB above
        # 30 s; with patterns off both peak at 410 MiB, at the same speed within the noise; see
        # docs/long-form.md).
        opts.enable_mem_pattern = False
        providers = ["CPUExecutionProvider"]
        self._session = ort.InferenceSession(str(timed), opts, providers=providers)
        self._durations = ort.InferenceSession(str(durations), opts, providers=providers)
        vocab_text = (resources.files("soundstage.speech").joinpath("kokoro_vocab.json")
                      .read_text(encoding="utf-8"))
        self.vocab: dict[str, int] = json.loads(vocab_text)["vocab"]
        self._voices_dir = assets.voices_dir
        self._packs: dict[str, npt.NDArray[np.float32]] = {}

    def known(self, symbol: str) -> bool:
        return symbol in self.vocab

    def token_ids(self, phonemes: Phonemes) -> list[int]:
        return [self.vocab[c] for c in phonemes.text]

    def style(self, mix: VoiceMix, n_tokens: int) -> Audio:
        """The blended style vector for an utterance of ``n_tokens`` phonemes (packs are indexed by
        length)."""
        row = min(max(n_tokens - 1, 0), MAX_PHONEMES - 1)
        vec = sum(w * self._pack(name)[row] for name, w in mix.parts)
        return np.asarray(vec, dtype=np.float32).reshape(1, STYLE_DIM)

    def predict_frames(self, ids: list[int], style: Audio, speed: float,
                       cancelled: CancelCheck = never) -> npt.NDArray[np.int64]:
        (frames,) = _run(self._durations, None, self._feed(ids, style, speed), cancelled)
        return _clamped(frames)

    def model_speed(self, ids: list[int], style: Audio, speed: float,
                    cancelled: CancelCheck = never) -> tuple[float, int]:
        """The model speed whose predicted length is closest to (speed-1 length) / speed, and that length.

        Predicted frames scale roughly as 1/model speed; rounding and the one-frame floor bend that,
        so two secant steps on the predictor (~60 ms each) close most of the gap (measured: speed 2
        alone gives x0.53 of the duration on a 90-phoneme sentence; calibrated, x0.50).
        """
        base = int(self.predict_frames(ids, style, 1.0, cancelled).sum())
        target = base / speed
        model_speed = speed
        for _ in range(CALIBRATION_STEPS):
            frames = int(self.predict_frames(ids, style, model_speed, cancelled).sum())
            if abs(frames - target) < 1:
                break
            model_speed *= frames / target
        return model_speed, base

    def infer(self, ids: list[int], style: Audio, speed: float,
              cancelled: CancelCheck = never) -> tuple[Audio, npt.NDArray[np.int64]]:
        feed = self._feed(ids, style, speed)
        audio, frames = _run(self._session, ["audio", DURATIONS_TENSOR], feed, cancelled)
        return np.asarray(audio, dtype=np.float32).ravel(), _clamped(frames)

    def _feed(self, ids: list[int], style: Audio, speed: float) -> dict[str, Any]:
        return {"tokens": np.array([[PAD_ID, *ids, PAD_ID]], dtype=np.int64), "style": style,
                "speed": np.array([speed], dtype=np.float32)}

    def _pack(self, name: str) -> Audio:
        if name not in self._packs:
            path = self._voices_dir / f"{name}.bin"
            if not path.is_file():
                raise AssetError(f"Kokoro voice pack {path} is missing; run `soundstage models fetch`")
            self._packs[name] = np.fromfile(path, dtype=np.float32).reshape(-1, STYLE_DIM)
        return self._packs[name]


def _clamped(frames: Any) -> npt.NDArray[np.int64]:
    """The graph clamps each rounded duration to at least one frame after this tensor; so do we.

    Measured: at model speed 2.15 the tensor held two zeros and the audio was 600 x (sum + 2) samples.
    """
    return np.maximum(np.asarray(frames, dtype=np.int64).ravel(), 1)


def _derived_graphs(assets: KokoroAssets) -> tuple[Path, Path]:
    """The model with the durations tensor as an output, and the predictor alone (written once)."""
    root = assets.model.parent
    timed, durations = root / _TIMED, root / _DURATIONS
    if timed.is_file() and durations.is_file():
        return timed, durations
    try:
        import onnx
        from onnx.utils import Extractor
    except ImportError as e:
        raise AssetError("preparing the Kokoro graphs needs the onnx package: pip install onnx") from e
    model = onnx.load(str(assets.model))
    sub = Extractor(model).extract_model(["tokens", "style", "speed"], [DURATIONS_TENSOR])
    _save_atomic(onnx, sub, durations)
    model.graph.output.append(onnx.helper.make_tensor_value_info(DURATIONS_TENSOR, onnx.TensorProto.FLOAT,
                                                                 None))
    _save_atomic(onnx, model, timed)
    return timed, durations


def _save_atomic(onnx: Any, model: Any, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    onnx.save(model, str(tmp))
    tmp.replace(path)


def load_kokoro(models_dir: Path, threads: int = 2, fetch: bool = True) -> KokoroModel:
    """Load the cached model (fetching it first when ``fetch`` and it is missing)."""
    assets = ensure_kokoro_assets(models_dir) if fetch else find_kokoro_assets(models_dir)
    if assets is None:
        raise AssetError(f"Kokoro assets are not in {models_dir}; run `soundstage models fetch`")
    return KokoroModel(assets, threads)


# --- the engine -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Utterance:
    """One model call's worth of a sentence: phonemes, the voice to read them, their main language."""

    text: str
    phonemes: Phonemes
    rendition: Rendition
    language: Language


class KokoroEngine:
    name = "kokoro"

    def __init__(self, model: KokoroModel, g2p: G2PSet | None = None) -> None:
        self.model = model
        self.g2p = g2p or G2PSet()

    def languages(self) -> frozenset[Language]:
        return frozenset(Language)  # Indonesian through espeak-ng phonemes, read by a Spanish/English voice

    def synthesize(self, request: SpeechRequest) -> Iterator[SpeechChunk]:
        offset = 0.0
        for sentence in split_sentences(request.text):
            for utterance in self._utterances(sentence, request):
                _check(request.cancelled)
                chunk = self._render(utterance, request, offset)
                offset += chunk.audio.duration
                yield chunk

    def _utterances(self, sentence: str, request: SpeechRequest) -> list[_Utterance]:
        latin = [lang for lang in request.voice.languages if lang.uses_latin_script]
        spans = identify_spans(sentence, request.language, latin)
        parts: list[tuple[Language, Phonemes]] = []
        for span in spans:
            british = request.voice.rendition(span.language).mix.british
            g2p = self.g2p.for_language(span.language, british)
            parts.append((span.language, g2p(normalize(span.text, span.language)).keep(self.model.known)))
        phonemes = concat_phonemes([p for _, p in parts if len(p)])
        main, rendition = _voice_for(request.voice, parts)
        return [_Utterance(sentence, piece, rendition, main) for piece in split_phonemes(phonemes)]

    def _render(self, utt: _Utterance, request: SpeechRequest, offset: float) -> SpeechChunk:
        ids = self.model.token_ids(utt.phonemes)
        style = self.model.style(utt.rendition.mix, len(ids))
        speed = request.controls.speed * utt.rendition.speed
        stop = request.cancelled
        if abs(speed - 1.0) < 1e-6:
            audio, frames = self.model.infer(ids, style, 1.0, stop)
            factor = 1.0
        else:
            model_speed, base = self.model.model_speed(ids, style, speed, stop)
            audio, frames = self.model.infer(ids, style, model_speed, stop)
            _check(stop)
            target = round(FRAME_SAMPLES * base / speed)
            factor = target / max(len(audio), 1)
            audio = time_stretch(audio, factor, SPEECH_RATE)
        timings = timings_from_frames(utt.phonemes, frames).scaled(factor)
        _check(stop)
        audio = shift_pitch(audio, request.controls.pitch + utt.rendition.pitch, SPEECH_RATE)
        audio = apply_volume(audio, request.controls.volume, SPEECH_RATE)
        return SpeechChunk(AudioBuffer.from_mono(audio, SPEECH_RATE), timings, utt.text, utt.language, offset)


def _voice_for(voice: Voice, parts: list[tuple[Language, Phonemes]]) -> tuple[Language, Rendition]:
    """The sentence's main language and its rendition; code-switched sentences blend the voices."""
    share: dict[Language, int] = {}
    for lang, ph in parts:
        share[lang] = share.get(lang, 0) + len(ph)
    if not share:
        return voice.primary, voice.rendition(voice.primary)
    main = max(share, key=lambda lang: share[lang])
    rendition = voice.rendition(main)
    total = sum(share.values())
    for lang, n in share.items():
        other = voice.rendition(lang)
        if lang is not main and lang in voice.renditions and other.mix != rendition.mix:
            rendition = Rendition(rendition.mix.blended(other.mix, n / total), rendition.pitch,
                                  rendition.speed, rendition.espeak_variant)
    return main, rendition


def build_kokoro_engine(config: EngineConfig) -> KokoroEngine:
    """The registry's factory: load the model once for this process."""
    return KokoroEngine(load_kokoro(config.models_dir, config.threads, config.fetch))
