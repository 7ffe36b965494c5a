"""Motion between two small grey frames: the camera's (one shift for the whole picture) and the subject's
(per block, what is left once the camera is taken out).

Camera: phase correlation (Kuglin & Hines, 1975) on half-size frames finds the dominant translation, around
which blocks are then searched; the camera's motion is the median of the textured blocks' vectors, and
is accepted only when blocks all over the picture share it (a lone object on a flat background also
dominates the correlation, and must stay the subject's motion). Blocks: exhaustive block matching (sum
of absolute differences, the codecs' method) within ``SEARCH`` pixels, refined to a fraction of a pixel
by a step of Lucas-Kanade (the image gradients) from the best whole-pixel match. A block without texture
has no measurable motion (the aperture problem): it gets no weight rather than a zero vector.

Frames are float32 grey levels (0-255) of identical shape, a whole number of ``BLOCK`` pixels each way.
Vectors are in pixels per frame: (dx, dy), x to the right, y down.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

__all__ = ["BLOCK", "SEARCH", "BlockField", "FrameMotion", "frame_motion", "phase_shift"]

Array = npt.NDArray[np.float32]

BLOCK = 6  # px at analysis size: 16 x 9 blocks at 96 x 54
SEARCH = 4  # px each way: 4 % of the width per frame, 1.25 widths per second at 30 fps
TEXTURE = 3.0  # grey levels per pixel the costs must vary across candidates for a block to count
NOISE = 1.0  # grey levels per pixel a move must beat standing still by (sensor noise, coding)
DEAD_ZONE = 0.15  # px per frame: slower block motion is read as none (noise, coding)
CAMERA_MIN = 0.05  # px per frame: a slower common drift is noise and coding, not a camera move
CAMERA_PEAK = 0.08  # phase-correlation peak (0-1) below which no translation dominates
CAMERA_AGREE = 0.75  # px: a block agrees with the camera when its own motion is within this
CAMERA_SPREAD = 3  # of the 4 quadrants must hold agreeing blocks for a shift to be the camera's
CAMERA_SHARE = 0.3  # of the textured blocks must agree,
CAMERA_AREA = 0.2  # and of all blocks: a pan moves the picture, not one thing in it
UNMATCHED = 0.6  # a textured block whose best match costs this share of an average one matched nothing


@dataclass(frozen=True)
class BlockField:
    vectors: Array  # (rows, cols, 2) px per frame
    weights: Array  # (rows, cols) 0..1: how well the block's texture pins its motion
    fit: Array  # (rows, cols) the best match's cost over the average candidate's: ~0 found, ~1 nothing fits


@dataclass(frozen=True)
class FrameMotion:
    camera: tuple[float, float]  # px per frame
    subject: BlockField  # vectors with the camera taken out
    unmatched: float  # 0..1: share of textured blocks no candidate explains (a cut, a flash)


def _window(shape: tuple[int, int]) -> Array:
    return np.outer(np.hanning(shape[0]), np.hanning(shape[1])).astype(np.float32)


def phase_shift(prev: Array, cur: Array, window: Array | None = None) -> tuple[float, float, float]:
    """(dx, dy, peak): the translation taking ``prev`` to ``cur`` and the correlation peak's height."""
    win = _window(prev.shape) if window is None else window
    a = np.fft.rfft2((prev - prev.mean()) * win)
    b = np.fft.rfft2((cur - cur.mean()) * win)
    cross = np.conj(a) * b
    cross /= np.abs(cross) + 1e-6
    surface = np.fft.irfft2(cross, s=prev.shape)
    iy, ix = np.unravel_index(int(np.argmax(surface)), surface.shape)
    dy, dx = _subpixel(surface, int(iy), int(ix))
    h, w = surface.shape
    return (dx - w if dx > w / 2 else dx), (dy - h if dy > h / 2 else dy), float(surface[iy, ix])


def _subpixel(surface: npt.NDArray[np.float64], iy: int, ix: int) -> tuple[float, float]:
    h, w = surface.shape
    centre = surface[iy, ix]
    out = []
    for before, after, i in ((surface[(iy - 1) % h, ix], surface[(iy + 1) % h, ix], iy),
                             (surface[iy, (ix - 1) % w], surface[iy, (ix + 1) % w], ix)):
        bend = before - 2 * centre + after
        out.append(i + (0.5 * (before - after) / bend if bend < 0 else 0.0))
    return out[0], out[1]


@lru_cache(maxsize=8)
def _summers(height: int, width: int) -> tuple[Array, Array]:
    """0/1 matrices whose products sum a (height, width) frame over its blocks: rows @ frame @ cols."""
    rows = np.kron(np.eye(height // BLOCK), np.ones((1, BLOCK))).astype(np.float32)
    cols = np.kron(np.eye(width // BLOCK), np.ones((BLOCK, 1))).astype(np.float32)
    return rows, cols


def _costs(prev: Array, cur: Array, offset: tuple[int, int]) -> Array:
    """Mean absolute difference per block for every candidate: (2S+1, 2S+1, rows, cols), candidates
    (dy, dx) around ``offset``. Block sums are two small matrix products (measured 2.5x faster than
    numpy's reduction over the block axes)."""
    h, w = cur.shape
    summers = _summers(h, w)
    ox, oy = offset
    pad = SEARCH + max(abs(ox), abs(oy))
    padded = np.pad(prev, pad, mode="edge")
    span = 2 * SEARCH + 1
    out = np.empty((span, span, h // BLOCK, w // BLOCK), dtype=np.float32)
    for j in range(span):
        y0 = pad - oy - (j - SEARCH)  # cur[y] matches prev[y - motion]
        shifted = np.stack([padded[y0:y0 + h, pad - ox - (i - SEARCH):pad - ox - (i - SEARCH) + w]
                            for i in range(span)])
        out[j] = summers[0] @ np.abs(shifted - cur) @ summers[1]
    out *= 1.0 / (BLOCK * BLOCK)
    return out


def _patches(image: Array, tops: npt.NDArray[np.intp], lefts: npt.NDArray[np.intp], size: int) -> Array:
    """(rows, cols, size, size) patches of ``image`` at each block's top-left corner (edges replicated)."""
    pad = int(max(0, -tops.min(), -lefts.min(), tops.max() + size - image.shape[0],
                  lefts.max() + size - image.shape[1]))
    padded = np.pad(image, pad, mode="edge") if pad else image
    steps = np.arange(size)
    ys = tops[..., None, None] + steps[None, None, :, None] + pad
    xs = lefts[..., None, None] + steps[None, None, None, :] + pad
    return padded[ys, xs]


def _lucas_kanade(prev: Array, cur: Array, moves: npt.NDArray[np.intp]) -> Array:
    """Each block's motion to a fraction of a pixel: one Lucas-Kanade step (Lucas & Kanade, 1981) from
    its whole-pixel match ``moves`` (rows, cols, 2). Returns (rows, cols, 2) corrections, within +-1 px."""
    rows, cols = moves.shape[:2]
    r, c = np.indices((rows, cols))
    tops, lefts = r * BLOCK - 1, c * BLOCK - 1  # one pixel of margin for the gradients
    now = _patches(cur, tops, lefts, BLOCK + 2)
    before = _patches(prev, tops - moves[..., 1], lefts - moves[..., 0], BLOCK + 2)
    gx = 0.25 * (before[..., 1:-1, 2:] - before[..., 1:-1, :-2] + now[..., 1:-1, 2:] - now[..., 1:-1, :-2])
    gy = 0.25 * (before[..., 2:, 1:-1] - before[..., :-2, 1:-1] + now[..., 2:, 1:-1] - now[..., :-2, 1:-1])
    it = now[..., 1:-1, 1:-1] - before[..., 1:-1, 1:-1]
    axx, axy, ayy = (gx * gx).sum((-2, -1)), (gx * gy).sum((-2, -1)), (gy * gy).sum((-2, -1))
    bx, by = -(gx * it).sum((-2, -1)), -(gy * it).sum((-2, -1))
    ridge = 0.01 * (axx + ayy) + 1e-3  # an edge alone gives its normal motion, a flat block none
    det = (axx + ridge) * (ayy + ridge) - axy * axy
    dx = ((ayy + ridge) * bx - axy * by) / det
    dy = ((axx + ridge) * by - axy * bx) / det
    return np.clip(np.stack([dx, dy], axis=-1), -1.0, 1.0).astype(np.float32)


def _field(prev: Array, cur: Array, offset: tuple[int, int]) -> BlockField:
    costs = _costs(prev, cur, offset)
    span = costs.shape[0]
    flat = costs.reshape(span * span, *costs.shape[2:])
    least = np.min(flat, axis=0)
    still = flat[SEARCH * span + SEARCH]  # no motion beyond the offset
    moved = still - least > NOISE  # otherwise standing still explains it as well
    best = np.where(moved, np.argmin(flat, axis=0), SEARCH * span + SEARCH)
    j, i = np.divmod(best, span)
    moves = np.stack([i - SEARCH + offset[0], j - SEARCH + offset[1]], axis=-1)
    vectors = moves + _lucas_kanade(prev, cur, moves)
    spread = flat.mean(axis=0)
    texture = np.clip((spread - least) / TEXTURE - 1.0, 0.0, 1.0)
    return BlockField(vectors.astype(np.float32), texture.astype(np.float32),
                      (least / np.maximum(spread, 1e-3)).astype(np.float32))


def _consensus(field: BlockField) -> tuple[float, float] | None:
    """The motion textured blocks all over the picture share (the camera's), or None."""
    textured = field.weights > 0.5
    if textured.sum() < 4:
        return None
    vx, vy = field.vectors[..., 0][textured], field.vectors[..., 1][textured]
    shift = (float(np.median(vx)), float(np.median(vy)))
    agree = textured & (np.hypot(field.vectors[..., 0] - shift[0],
                                 field.vectors[..., 1] - shift[1]) < CAMERA_AGREE)
    rows, cols = agree.shape
    quadrants = sum(bool(agree[r0:r1, c0:c1].any()) for r0, r1 in ((0, rows // 2), (rows // 2, rows))
                    for c0, c1 in ((0, cols // 2), (cols // 2, cols)))
    if (agree.sum() < max(CAMERA_SHARE * textured.sum(), CAMERA_AREA * agree.size)
            or quadrants < CAMERA_SPREAD):
        return None
    return shift


def _half(frame: Array) -> Array:
    h, w = frame.shape
    return frame[: h // 2 * 2, : w // 2 * 2].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3), dtype=np.float32)


def frame_motion(prev: Array, cur: Array, window: Array | None = None) -> FrameMotion:
    """The camera's translation and each block's own motion between two frames.

    ``window``: a Hann window of half the frames' shape, to reuse across calls.
    """
    dx, dy, peak = phase_shift(_half(prev), _half(cur), window)  # half size: a quarter of the work
    offset = (round(2 * dx), round(2 * dy)) if peak >= CAMERA_PEAK else (0, 0)
    field = _field(prev, cur, offset)
    camera = _consensus(field)
    if camera is None and offset != (0, 0):  # a lone object dominated the correlation: measure from rest
        field = _field(prev, cur, (0, 0))
        camera = _consensus(field)
    if camera is None or np.hypot(*camera) < CAMERA_MIN:
        camera = (0.0, 0.0)
    subject = field.vectors - np.array(camera, dtype=np.float32)
    subject[np.hypot(subject[..., 0], subject[..., 1]) < DEAD_ZONE] = 0.0
    subject[~_supported(subject)] = 0.0
    textured = field.weights > 0.5
    unmatched = float((textured & (field.fit > UNMATCHED)).sum() / max(1, textured.sum()))
    return FrameMotion(camera, BlockField(subject, _entering(field.weights, camera), field.fit), unmatched)


def _supported(vectors: Array) -> npt.NDArray[np.bool_]:
    """Blocks with a neighbour moving their way at half their speed or more: anything big enough to
    hear spans two blocks; a lone block moving unlike all its neighbours is a mismatch."""
    rows, cols = vectors.shape[:2]
    padded = np.pad(vectors, ((1, 1), (1, 1), (0, 0)))
    size = np.hypot(vectors[..., 0], vectors[..., 1])
    found = np.zeros((rows, cols), dtype=bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dx or dy:
                other = padded[1 + dy:1 + dy + rows, 1 + dx:1 + dx + cols]
                found |= (other * vectors).sum(axis=-1) >= 0.5 * size * size
    return found | (size == 0)


def _entering(weights: Array, camera: tuple[float, float]) -> Array:
    """No weight for the blocks along the edge where a moving camera brings new picture in: the
    previous frame never held their content, so their match is a guess."""
    out = weights.copy()
    dx, dy = camera
    nx, ny = int(np.ceil(abs(dx) / BLOCK)), int(np.ceil(abs(dy) / BLOCK))
    if nx:
        (out[:, :nx] if dx > 0 else out[:, out.shape[1] - nx:])[...] = 0.0
    if ny:
        (out[:ny] if dy > 0 else out[out.shape[0] - ny:])[...] = 0.0
    return out
