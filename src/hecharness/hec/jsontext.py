"""Compact JSON for what the fake HEC hands back: events, journal exports, admin answers."""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from collections.abc import Iterator
from typing import Any

import orjson

__all__ = ["dumps_json"]


def dumps_json(value: Any, default: Any = None, *, sort_keys: bool = False) -> bytes:
    """Compact JSON for journal data. orjson writes at most 254 levels of nesting, while events may
    be nested as deep as the parser reads (1,024 levels); deeper values go through the standard
    library, which is slower and recurses once per level, so it gets the room for that."""
    try:
        return orjson.dumps(value, default=default, option=orjson.OPT_SORT_KEYS if sort_keys else None)
    except orjson.JSONEncodeError:
        with _recursion_room(_DEEPEST_EVENT):
            return json.dumps(value, default=default, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys).encode()


_DEEPEST_EVENT = 1024  # orjson.loads refuses deeper, so no accepted event is deeper than this
_recursion_lock = threading.Lock()


@contextlib.contextmanager
def _recursion_room(levels: int) -> Iterator[None]:
    """Raise the interpreter's recursion limit by `levels` while inside (the limit is process-wide,
    so the lock keeps two writers from restoring each other's value)."""
    with _recursion_lock:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(limit + levels)
        try:
            yield
        finally:
            sys.setrecursionlimit(limit)
