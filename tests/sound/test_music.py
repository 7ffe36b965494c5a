"""Music beds: exact length, level, loop seam, harmony in key, tempo fitted to whole bars;
GM when installed."""

from __future__ import annotations

import time

import numpy as np
import pytest

from soundstage.audio.buffer import MIX_RATE
from soundstage.audio.loudness import integrated_lufs, true_peak_dbfs
from soundstage.errors import Cancelled, InvalidInput
from soundstage.sound.midi import smf_bytes
from soundstage.sound.music import MUSIC_LEVEL_LUFS, Backend, MusicBed, available_backends, music_bed
from soundstage.sound.score import BEATS_PER_BAR, STYLES, Mood, MusicParams, Part, plan_score

SECONDS = 6.0


def _chroma(bed: MusicBed) -> np.ndarray:
    """Energy per pitch class (C=0) between 60 Hz and 2 kHz."""
    spectrum = np.abs(np.fft.rfft(bed.audio.mono().astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(bed.audio.frames, 1.0 / bed.audio.rate)
    band = (freqs > 60) & (freqs < 2000)
    classes = np.round(12 * np.log2(freqs[band] / 440.0) + 69).astype(int) % 12
    return np.bincount(classes, weights=spectrum[band], minlength=12)


def _check_bed(bed: MusicBed, seconds: float) -> None:
    x = bed.audio.samples
    assert bed.audio.frames == round(seconds * MIX_RATE) and bed.audio.channels == 2
    assert integrated_lufs(bed.audio) == pytest.approx(MUSIC_LEVEL_LUFS, abs=0.5)
    assert true_peak_dbfs(bed.audio) <= -1.0 + 1e-6
    assert np.abs(x.mean(axis=0)).max() < 1e-4
    assert (np.abs(x[0] - x[-1]) <= np.abs(np.diff(x, axis=0)).max(axis=0)).all()


@pytest.mark.parametrize("mood", list(Mood))
def test_synth_bed_per_mood(mood: Mood) -> None:
    bed = music_bed(MusicParams(mood=mood, duration=SECONDS), Backend.SYNTH)  # seed 0 starts on the tonic
    _check_bed(bed, SECONDS)
    root = STYLES[mood].root % 12
    assert root in np.argsort(_chroma(bed))[-4:], "the key's root should be among the strongest pitch classes"


def test_tempo_is_fitted_to_whole_bars_and_requested_tempo_is_kept() -> None:
    score = plan_score(MusicParams(mood=Mood.UPBEAT, duration=10.0, tempo=120.0))
    bars = score.duration * score.tempo / 60.0 / BEATS_PER_BAR
    assert bars == pytest.approx(round(bars), abs=1e-9)
    assert score.tempo == pytest.approx(120.0, rel=0.1)
    arp = sorted(n.start for n in score.notes if n.part is Part.ARP)
    assert np.diff(arp)[0] == pytest.approx(60.0 / score.tempo / STYLES[Mood.UPBEAT].arp_per_beat)


def test_moods_differ_in_brightness() -> None:
    def centroid(mood: Mood) -> float:
        a = music_bed(MusicParams(mood=mood, duration=SECONDS), Backend.SYNTH).audio.mono().astype(np.float64)
        p = np.abs(np.fft.rfft(a)) ** 2
        return float((p * np.fft.rfftfreq(a.size, 1 / MIX_RATE)).sum() / p.sum())

    assert centroid(Mood.TENSE) < centroid(Mood.UPBEAT)


def test_midi_file_holds_every_note() -> None:
    score = plan_score(MusicParams(mood=Mood.SAD, duration=8.0))
    data = smf_bytes(score)
    assert data[:4] == b"MThd" and data[14:18] == b"MTrk"
    note_ons = sum(1 for i in range(22, len(data) - 2) if data[i] & 0xF0 == 0x90 and data[i + 1] < 128
                   and 0 < data[i + 2] < 128)
    assert note_ons >= len(score.notes)  # a byte scan may over-count, never under-count


def test_bad_music_params_name_the_field() -> None:
    with pytest.raises(InvalidInput, match="music.tempo"):
        MusicParams(tempo=500.0)
    with pytest.raises(InvalidInput, match="music.duration"):
        MusicParams(duration=0.0)


@pytest.mark.skipif(Backend.GENERAL_MIDI not in available_backends(),
                    reason="needs Debian fluidsynth and musescore-general-soundfont")
def test_general_midi_bed_renders_real_instruments() -> None:
    bed = music_bed(MusicParams(mood=Mood.CALM, duration=SECONDS), Backend.GENERAL_MIDI)
    assert bed.backend is Backend.GENERAL_MIDI
    _check_bed(bed, SECONDS)
    synth = music_bed(MusicParams(mood=Mood.CALM, duration=SECONDS), Backend.SYNTH)
    assert not np.allclose(bed.audio.samples, synth.audio.samples, atol=1e-3)
    root = STYLES[Mood.CALM].root % 12
    assert root in np.argsort(_chroma(bed))[-4:]


@pytest.mark.skipif(Backend.GENERAL_MIDI not in available_backends(),
                    reason="needs Debian fluidsynth and musescore-general-soundfont")
def test_a_cancel_stops_fluidsynth_inside_a_long_bed() -> None:
    """Issue 9: a 300 s bed keeps fluidsynth busy for seconds; a cancel kills it within its poll."""
    cancel_at = time.monotonic() + 0.5
    with pytest.raises(Cancelled):
        music_bed(MusicParams(mood=Mood.TENSE, duration=300.0), Backend.GENERAL_MIDI,
                  cancelled=lambda: time.monotonic() > cancel_at)
    assert time.monotonic() - cancel_at < 1.0
