"""espeak-ng as a speech engine: tiny (no model), fast (real-time factor about 0.002), robotic.

It covers the languages Kokoro lacks and serves as a quick engine for tests and previews. The library
and its data come from ``espeakng-loader``; it is driven through ctypes in synchronous mode, and its word
events give word timings. Its 22,050 Hz output is resampled to ``SPEECH_RATE``.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from soundstage.audio.buffer import SPEECH_RATE, AudioBuffer
from soundstage.errors import AssetError, Cancelled
from soundstage.speech.controls import apply_volume, shift_pitch, time_stretch
from soundstage.speech.engine import EngineConfig, SpeechChunk, SpeechRequest
from soundstage.speech.frontend.langid import identify_spans
from soundstage.speech.frontend.normalize import normalize
from soundstage.speech.frontend.split import split_sentences
from soundstage.speech.languages import Language
from soundstage.speech.timings import PhonemeTiming, Timings, WordTiming

__all__ = ["EspeakEngine", "EspeakLibrary", "build_espeak_engine"]

DEFAULT_WPM = 175  # espeak-ng's default speaking rate, words per minute
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INIT_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_EVENT_WORD = 1
_EVENT_END = 0
_PARAM_RATE = 1
MS = 1000.0


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", ctypes.c_char * 8)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                             ctypes.POINTER(_Event))


@dataclass(frozen=True)
class _Spoken:
    samples: npt.NDArray[np.float32]  # at the library's rate
    words: tuple[tuple[int, int, float], ...]  # (text start, length, seconds)


class EspeakLibrary:
    """One loaded espeak-ng instance (process-global state inside: calls are serialized)."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as e:
            raise AssetError("the espeak engine needs espeakng-loader: pip install espeakng-loader") from e
        self._lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data = espeakng_loader.get_data_path().encode()
        self.rate = int(self._lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, _INIT_DONT_EXIT))
        if self.rate <= 0:
            raise AssetError(f"espeak-ng failed to initialize with data at {data.decode()}")
        self._lock = threading.Lock()
        self._buf: list[npt.NDArray[np.int16]] = []
        self._events: list[tuple[int, int, float]] = []
        self._callback = _CALLBACK(self._on_audio)  # kept referenced: the library holds a raw pointer
        self._lib.espeak_SetSynthCallback(self._callback)

    def speak(self, text: str, voice: str, wpm: int = DEFAULT_WPM) -> _Spoken:
        with self._lock:
            self._buf, self._events = [], []
            if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise AssetError(f"espeak-ng has no voice {voice!r}")
            self._lib.espeak_SetParameter(_PARAM_RATE, int(wpm), 0)
            raw = text.encode("utf-8")
            self._lib.espeak_Synth(raw, len(raw) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            self._lib.espeak_Synchronize()
            pcm = np.concatenate(self._buf) if self._buf else np.zeros(0, np.int16)
            return _Spoken((pcm.astype(np.float32) / 32768.0), tuple(self._events))

    def _on_audio(self, wav: ctypes.Array[ctypes.c_short], count: int, events: ctypes.Array[_Event]) -> int:
        if count > 0:
            self._buf.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        k = 0
        while events[k].type != _EVENT_END:
            if events[k].type == _EVENT_WORD:
                e = events[k]
                self._events.append((e.text_position, e.length, e.audio_position / MS))
            k += 1
        return 0


class EspeakEngine:
    name = "espeak"

    def __init__(self, library: EspeakLibrary) -> None:
        self.lib = library

    def languages(self) -> frozenset[Language]:
        return frozenset(Language) - {Language.JA}  # espeak-ng cannot read kanji

    def synthesize(self, request: SpeechRequest) -> Iterator[SpeechChunk]:
        offset = 0.0
        latin = [lang for lang in request.voice.languages if lang.uses_latin_script]
        for sentence in split_sentences(request.text):
            if request.cancelled():  # a sentence takes milliseconds here: checking between them is enough
                raise Cancelled()
            parts = [self._span(normalize(s.text, s.language), s.language, request) for s in
                     identify_spans(sentence, request.language, latin)]
            chunk = _join(parts, sentence, request, offset)
            offset += chunk.audio.duration
            yield chunk

    def _span(self, text: str, language: Language,
              request: SpeechRequest) -> tuple[npt.NDArray[np.float32], Timings]:
        variant = request.voice.rendition(language).espeak_variant
        voice = f"{language.espeak_voice}+{variant}" if variant else language.espeak_voice
        speed = request.controls.speed * request.voice.rendition(language).speed
        base = self.lib.speak(text, voice)
        spoken = base if speed == 1.0 else self.lib.speak(text, voice, round(DEFAULT_WPM * speed))
        audio = _resample(spoken.samples, self.lib.rate)
        target = round(len(_resample(base.samples, self.lib.rate)) / speed)
        factor = target / max(len(audio), 1)  # espeak's rate is not exactly proportional: fix the rest
        audio = time_stretch(audio, factor, SPEECH_RATE)
        return audio, _word_timings(text, spoken, len(audio) / SPEECH_RATE, factor)


def _word_timings(text: str, spoken: _Spoken, duration: float, factor: float) -> Timings:
    raw = text.encode("utf-8")
    starts = [(raw[max(p - 1, 0):max(p - 1, 0) + n].decode("utf-8", "replace"), t * factor)
              for p, n, t in spoken.words]
    words = tuple(WordTiming(w, t, starts[i + 1][1] if i + 1 < len(starts) else duration)
                  for i, (w, t) in enumerate(starts))
    # espeak-ng has no per-phoneme durations we can trust here: one entry per word stands in for them.
    return Timings(tuple(PhonemeTiming(w.word, w.start, w.end) for w in words), words)


def _resample(samples: npt.NDArray[np.float32], rate: int) -> npt.NDArray[np.float32]:
    import soxr

    return np.asarray(soxr.resample(samples, rate, SPEECH_RATE), dtype=np.float32)


def _join(parts: list[tuple[npt.NDArray[np.float32], Timings]], sentence: str, request: SpeechRequest,
          offset: float) -> SpeechChunk:
    audio = np.concatenate([a for a, _ in parts]) if parts else np.zeros(0, np.float32)
    phonemes: list[PhonemeTiming] = []
    words: list[WordTiming] = []
    at = 0.0
    for a, t in parts:
        shifted = t.shifted(at)
        phonemes.extend(shifted.phonemes)
        words.extend(shifted.words)
        at += len(a) / SPEECH_RATE
    audio = shift_pitch(audio, request.controls.pitch + request.voice.rendition(request.language).pitch,
                        SPEECH_RATE)
    audio = apply_volume(audio, request.controls.volume, SPEECH_RATE)
    return SpeechChunk(AudioBuffer.from_mono(audio, SPEECH_RATE), Timings(tuple(phonemes), tuple(words)),
                       sentence, request.language, offset)


def build_espeak_engine(config: EngineConfig) -> EspeakEngine:
    del config  # no model files: the library ships its own data
    return EspeakEngine(EspeakLibrary())
