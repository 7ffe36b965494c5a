"""Block-wise rendering (issue 16): the mixer, mastering, finishing and encoding walk a production in
blocks and spill to disk; these tests hold them to what one pass over the whole timeline gives, and
measure that memory stays that of a few blocks as the timeline grows."""

from __future__ import annotations

import io
import math
import tracemalloc

import numpy as np
import pytest

from soundstage.audio.buffer import MIX_RATE, AudioBuffer
from soundstage.audio.codecs import AudioFormat, decode, encode, encode_stream
from soundstage.audio.ducking import detector_frame
from soundstage.audio.loudness import integrated_lufs, limit_true_peak, true_peak_dbfs
from soundstage.audio.master import MasterParams, limit_spill
from soundstage.audio.render import block_frames, render, render_stream
from soundstage.audio.spill import Spill
from soundstage.audio.timeline import Clip, Timeline, Track, TrackKind
from soundstage.errors import StorageFull
from soundstage.production.produce import finish
from tests.audio.test_render import SOURCES, _scene

SMALL = detector_frame(MIX_RATE) * 16  # 0.16 s blocks: dozens of joins in a short scene


def _db(error: float, reference: float) -> float:
    return 20 * math.log10(max(error, 1e-30) / reference)


@pytest.mark.parametrize("target", [-16.0, -8.0])  # -8: the limiter works hard across the joins
def test_blocks_give_what_one_pass_gives(target: float) -> None:
    timeline = _scene(MasterParams(target_lufs=target), duration=12.345)
    with render_stream(timeline, SOURCES, block=timeline.frames + 1) as whole, \
            render_stream(timeline, SOURCES, block=SMALL) as blocked:
        a, b = whole.master.load().samples, blocked.master.load().samples
        assert a.shape == b.shape == (round(12.345 * MIX_RATE), 2)  # exact length whatever the block
        assert _db(float(np.abs(a - b).max()), float(np.abs(a).max())) < -90.0
        for one, other in zip(whole.stems, blocked.stems, strict=True):
            assert _db(float(np.abs(one.audio.load().samples
                                    - other.audio.load().samples).max()), 1.0) < -90.0
        assert blocked.report.integrated_lufs == pytest.approx(whole.report.integrated_lufs, abs=0.01)
        assert blocked.report.true_peak_dbtp == pytest.approx(whole.report.true_peak_dbtp, abs=0.01)


def test_blocked_master_is_on_target_with_no_clicks_at_the_joins() -> None:
    timeline = _scene(duration=12.0)
    with render_stream(timeline, SOURCES, block=SMALL) as mix:
        master = mix.master.load()
    assert integrated_lufs(master) == pytest.approx(-16.0, abs=0.3)
    assert true_peak_dbfs(master) <= -1.0
    step = np.abs(np.diff(master.samples, axis=0)).max(axis=1)
    joins = np.arange(SMALL, master.frames, SMALL) - 1  # the step from a block's last sample to the next
    inside = np.delete(step, joins)
    assert step[joins].max() <= inside.max()  # no join is the largest jump of the programme
    assert np.percentile(step[joins], 50) <= np.percentile(inside, 99)


def test_render_in_memory_equals_the_spilled_mix() -> None:
    mix = render(_scene(duration=4.0), SOURCES)
    with render_stream(_scene(duration=4.0), SOURCES) as spilled:
        assert np.array_equal(spilled.master.load().samples, mix.master.samples)
        assert [s.audio.peak > 0 for s in spilled.stems] == [bool(s.audio.samples.any()) for s in mix.stems]


def _long(seconds: float) -> Timeline:
    """A designed timeline of any length: dialogue in a room, a looped bed, music, ducking."""
    lines = tuple(Clip("line_a" if i % 2 else "line_b", 1.0 + 3.0 * i, space="room")
                  for i in range(int(seconds // 3.0) - 1))
    scene = _scene(duration=seconds)
    return Timeline(duration=seconds,
                    tracks=(Track("dialogue", TrackKind.DIALOGUE, lines), *scene.tracks[1:]),
                    spaces=scene.spaces)


def _peak_bytes(seconds: float) -> int:
    timeline = _long(seconds)
    tracemalloc.start()
    try:
        with render_stream(timeline, SOURCES):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_timeline() -> None:
    """Four times the length, the same peak (measured 66.5 MB at 30, 120 and 300 s): that of a few
    blocks, where the whole-array mixer held a dozen arrays the size of the programme."""
    short, long = _peak_bytes(30.0), _peak_bytes(120.0)
    block = block_frames(MIX_RATE) * 2 * 4  # bytes of one stereo float32 block
    assert long < 1.05 * short + 1e6, (short, long)
    assert long < 20 * block, (long, block)


def test_mono_is_mastered_to_the_target_and_louder_stays_under_the_ceiling() -> None:
    timeline = _scene(MasterParams(target_lufs=-10.0), duration=6.0)
    with render_stream(timeline, SOURCES, block=SMALL, channels=1) as mix:
        whole = mix.master.load()
        with finish(mix, 2.0) as out:
            final = out.load()
    assert whole.channels == 1 and integrated_lufs(whole) == pytest.approx(-10.0, abs=0.3)  # as measured
    assert final.channels == 1 and final.frames == whole.frames
    assert true_peak_dbfs(final) <= -1.0 + 1e-3
    expected = limit_true_peak(AudioBuffer(whole.samples * np.float32(2.0), whole.rate))
    # the same limiter, in blocks
    assert _db(float(np.abs(final.samples - expected.samples).max()), 1.0) < -60.0


def test_limit_spill_leaves_quiet_audio_alone() -> None:
    quiet = Spill(MIX_RATE, 2)
    quiet.append(np.full((MIX_RATE, 2), 0.1, np.float32))
    assert limit_spill(quiet, -1.0, SMALL) is quiet
    quiet.close()


@pytest.mark.parametrize("fmt", list(AudioFormat))
@pytest.mark.parametrize("rate", [16_000, 24_000, 44_100])
def test_encoding_blocks_is_encoding_the_whole(fmt: AudioFormat, rate: int) -> None:
    rng = np.random.default_rng(7)
    buf = AudioBuffer((0.3 * rng.standard_normal((MIX_RATE * 3 + 17, 2))).astype(np.float32), MIX_RATE)
    whole = encode(buf, fmt, rate)
    out = io.BytesIO()
    parts = (AudioBuffer(buf.samples[lo : lo + 10_000], buf.rate) for lo in range(0, buf.frames, 10_000))
    encode_stream(parts, buf.frames, buf.rate, 2, fmt, rate, out)
    one, other = (decode(d, fmt, rate, 2) for d in (whole.data, out.getvalue()))
    assert one.frames == other.frames
    if fmt in (AudioFormat.WAV, AudioFormat.PCM):
        assert one.frames == round(buf.frames * rate / MIX_RATE)
        assert np.abs(one.samples - other.samples).max() <= 2 / 32767  # the resampler's blocks: a bit or two


def test_block_is_whole_ducking_frames_and_mastering_steps() -> None:
    for rate in (8_000, 22_050, 24_000, 44_100, 48_000):
        block = block_frames(rate)
        assert block % detector_frame(rate) == 0 and block % 16 == 0
        assert 9.0 < block / rate < 11.0


def test_without_stems_the_master_is_the_same() -> None:
    timeline = _scene(duration=5.0)
    with render_stream(timeline, SOURCES) as with_stems, \
            render_stream(timeline, SOURCES, stems=False) as bare:
        assert bare.stems == () and len(with_stems.stems) == len(timeline.tracks)
        assert np.array_equal(bare.master.load().samples, with_stems.master.load().samples)


def test_a_full_scratch_disk_is_a_clear_error() -> None:
    """Spilling into a full file system says so (507, storage_full), naming where and what to do."""
    spill = Spill(MIX_RATE, 2)
    spill._file.close()
    spill._file = open("/dev/full", "wb")  # noqa: SIM115 (every write fails with ENOSPC)
    with pytest.raises(StorageFull, match="no room to spill"):
        spill.append(np.ones((4, 2), np.float32))
    spill.close()
