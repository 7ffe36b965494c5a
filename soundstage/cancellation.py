"""Cancellation of long work (issue 9): a cancelled job must stop within a second.

Long steps take a ``cancelled`` check (``RunContext.cancelled``: cheap, thread-safe) and look at it
between blocks of work small enough that the gap stays well under a second on a busy machine; once
it is true they raise ``Cancelled``. Whole-signal steps over long audio (mastering a 10-minute mix)
are done in blocks of ``BLOCK_FRAMES`` for that reason, with results identical to one pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from soundstage.errors import Cancelled

__all__ = ["BLOCK_FRAMES", "CancelCheck", "blocks", "check", "never"]

CancelCheck = Callable[[], bool]
BLOCK_FRAMES = 1 << 19  # about 11 s at 48 kHz: ~0.05-0.2 s of any one step on a shared 2-core machine


def never() -> bool:
    """The check of work that cannot be cancelled."""
    return False


def check(cancelled: CancelCheck) -> None:
    if cancelled():
        raise Cancelled()


def blocks(total: int, cancelled: CancelCheck, size: int | None = None) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` covering ``range(total)`` in ``size`` steps (default ``BLOCK_FRAMES``),
    checking ``cancelled`` before each."""
    size = size or BLOCK_FRAMES
    for start in range(0, total, size):
        check(cancelled)
        yield start, min(start + size, total)
