"""`SharedCount`: request ids counted across processes, so a server's workers number requests as one."""

from __future__ import annotations

from multiprocessing.context import SpawnContext

__all__ = ["SharedCount"]


class SharedCount:
    """1, 2, 3... from whichever process asks next; `reset()` starts again at 1.

    An iterator, so a `Journal` takes it where it would make its own `itertools.count(1)`.
    """

    def __init__(self, context: SpawnContext) -> None:
        self._value = context.Value("q", 0)

    def __iter__(self) -> SharedCount:
        return self

    def __next__(self) -> int:
        with self._value.get_lock():
            self._value.value += 1
            return self._value.value

    def reset(self) -> None:
        with self._value.get_lock():
            self._value.value = 0
