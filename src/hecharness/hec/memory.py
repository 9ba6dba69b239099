"""Handing the memory of a large body back to the system once it is let go.

glibc keeps what a thread frees in that thread's arena for reuse, and an arena gives back only the
free memory at its top: the pieces of one refused 800 MB body, freed between smaller objects that
live on, stayed resident for good (435 to 691 MB after one). `malloc_trim` releases free pages
anywhere in every arena. With another C library (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

__all__ = ["hand_back", "LARGE_BODY"]

# Bodies from this size on (on the wire or decoded) are followed by a trim; smaller ones are left to
# the allocator, which reuses their memory for the next request.
LARGE_BODY = 8 << 20


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library this interpreter runs on
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_TRIM = _malloc_trim()


def hand_back() -> None:
    """Return free heap memory to the system, where the C library can."""
    if _TRIM is not None:
        _TRIM(0)
