"""General MIDI rendering of a score: a Standard MIDI File writer and the fluidsynth renderer.

Optional: it needs Debian's ``fluidsynth`` and an MIT-licensed General MIDI soundfont
(``musescore-general-soundfont``, or ``fluid-soundfont-gm``'s FluidR3_GM, also MIT). Without them
the music beds are synthesized (:mod:`soundstage.sound.music`).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from soundstage.audio.dsp import Array
from soundstage.cancellation import CancelCheck, check, never
from soundstage.errors import AssetError
from soundstage.sound.score import Mood, Part, Score

__all__ = ["SOUNDFONTS", "find_fluidsynth", "find_soundfont", "render_general_midi", "smf_bytes"]

# MIT-licensed General MIDI soundfonts from Debian, in order of preference. default-GM.* is not
# trusted: the alternatives system may point it at a GPL or non-free bank.
SOUNDFONTS = (
    Path("/usr/share/sounds/sf3/MuseScore_General.sf3"),
    Path("/usr/share/sounds/sf3/MuseScore_General_Full.sf3"),
    Path("/usr/share/sounds/sf2/MuseScore_General.sf2"),
    Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
)
TICKS_PER_BEAT = 480
RENDER_TIMEOUT = 300.0  # s
POLL_SECONDS = 0.1  # how often a running fluidsynth is asked whether the job was cancelled
TAIL = 3.0  # s rendered past the loop so releases and reverb can wrap onto its start
CHANNELS = {Part.PAD: 0, Part.BASS: 1, Part.ARP: 2, Part.DRONE: 3}
# General MIDI programs (0-based) per mood: pad, bass, arpeggio, drone
PROGRAMS: dict[Mood, tuple[int, int, int, int]] = {
    Mood.CALM: (89, 32, 0, 48),  # warm pad, acoustic bass, piano, strings
    Mood.HOPEFUL: (48, 33, 46, 48),  # strings, finger bass, harp
    Mood.SAD: (49, 32, 0, 48),  # slow strings, piano
    Mood.TENSE: (49, 33, 11, 48),  # slow strings, vibraphone ostinato, low strings pedal
    Mood.MYSTERIOUS: (91, 32, 46, 92),  # choir-like pad, harp, bowed pad
    Mood.UPBEAT: (48, 33, 0, 48),
}


def find_fluidsynth() -> Path | None:
    found = shutil.which("fluidsynth")
    return Path(found) if found else None


def find_soundfont(candidates: tuple[Path, ...] = SOUNDFONTS) -> Path | None:
    return next((p for p in candidates if p.is_file()), None)


def _vlq(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _events(score: Score) -> list[tuple[int, bytes]]:
    ticks_per_second = score.tempo / 60.0 * TICKS_PER_BEAT
    programs = PROGRAMS[score.mood]
    events: list[tuple[int, bytes]] = [(0, bytes([0xFF, 0x51, 3])
                                            + int(60e6 / score.tempo).to_bytes(3, "big"))]
    for part, channel in CHANNELS.items():
        events.append((0, bytes([0xC0 | channel, programs[list(CHANNELS).index(part)]])))
    for note in score.notes:
        channel = CHANNELS[note.part]
        on = round(note.start * ticks_per_second)
        off = max(on + 1, round((note.start + note.length) * ticks_per_second))
        velocity = max(1, min(127, round(note.velocity * 127)))
        events += [(on, bytes([0x90 | channel, note.pitch, velocity])),
                   (off, bytes([0x80 | channel, note.pitch, 0]))]
    end = round((score.duration + TAIL) * ticks_per_second)
    events.append((end, bytes([0xB0, 123, 0])))  # all notes off, and the file runs until the tail is rendered
    return sorted(events, key=lambda e: (e[0], e[1][0] & 0xF0 != 0x80))  # note-offs before note-ons at a tick


def smf_bytes(score: Score) -> bytes:
    """A format-0 Standard MIDI File for ``score``."""
    track = bytearray()
    now = 0
    for tick, data in _events(score):
        track += _vlq(tick - now) + data
        now = tick
    track += b"\x00\xff\x2f\x00"
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, TICKS_PER_BEAT)
    return header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track)


def _read_wav(path: Path) -> Array:
    with wave.open(str(path), "rb") as w:
        raw = w.readframes(w.getnframes())
        channels, width = w.getnchannels(), w.getsampwidth()
    if width != 2:
        raise AssetError(f"fluidsynth wrote {8 * width}-bit audio; expected 16-bit")
    samples = np.frombuffer(raw, dtype="<i2").reshape(-1, channels).astype(np.float32)
    del raw
    samples /= 32768.0
    return samples


def _run(cmd: list[str], cancelled: CancelCheck) -> None:
    """Run ``cmd`` to completion, polling ``cancelled``: a cancel kills it within ``POLL_SECONDS``."""
    with tempfile.TemporaryFile() as errors, \
            subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors) as proc:
        deadline = time.monotonic() + RENDER_TIMEOUT
        while True:
            try:
                proc.wait(timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                if cancelled() or time.monotonic() > deadline:
                    proc.kill()
                    proc.wait()
                    check(cancelled)
                    raise
        if proc.returncode:
            errors.seek(0)
            raise subprocess.CalledProcessError(proc.returncode, cmd, stderr=errors.read()[-500:])


def render_general_midi(score: Score, rate: int, fluidsynth: Path, soundfont: Path,
                        cancelled: CancelCheck = never) -> Array:
    """Render ``score`` through fluidsynth: (frames incl. a TAIL, 2) float32 at ``rate``. A cancel
    stops fluidsynth at once (a 300 s bed takes it about 10 s on a busy machine)."""
    with tempfile.TemporaryDirectory(prefix="soundstage-midi-") as tmp:
        mid, wav = Path(tmp) / "bed.mid", Path(tmp) / "bed.wav"
        mid.write_bytes(smf_bytes(score))
        # dynamic sample loading: decode only the instruments used (halves start-up with .sf3 banks)
        cmd = [str(fluidsynth), "-ni", "-q", "-o", "synth.dynamic-sample-loading=1", "-g", "0.5", "-r",
               str(rate), "-T", "wav", "-O", "s16",
               "-F", str(wav), str(soundfont), str(mid)]
        try:
            _run(cmd, cancelled)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as e:
            raise AssetError(f"fluidsynth failed to render the music bed: {e}") from e
        return _read_wav(wav)
