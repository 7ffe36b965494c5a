"""Process-wide memory settings for workers (issue 16).

glibc serves large blocks (128 KiB and up) from fresh mappings it returns on ``free``, but raises that
threshold each time such a block is freed, after which the audio blocks and speech chunks a long job
allocates and frees come from the heap and fragment it: resident memory crept up with a production's
length. Pinning the threshold keeps every large block a mapping of its own (measured through
``bench/long_form.py``: a worker's job peak 540 -> 520 MiB for 10 s of speech, 558 -> 528 MiB for
2 min). Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util

__all__ = ["pin_mmap_threshold"]

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD = 128 * 1024  # bytes: glibc's initial value, kept


def pin_mmap_threshold() -> bool:
    """Fix glibc's mmap threshold at its initial value; False where there is no glibc."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):
        return False
