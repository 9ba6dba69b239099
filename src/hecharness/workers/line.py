"""`Line`: one end of a pipe between the parent of a fake HEC's workers and one worker, asked in turns.

Each message is a tuple `(operation, *arguments)`; the other end answers every one, in order, with
`(True, result)` or `(False, reason)`. A lock keeps the question and its answer together when
several threads of one process share the line.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from hecharness.errors import HecHarnessError

__all__ = ["Line", "WorkerGone", "answer_calls"]


class WorkerGone(HecHarnessError, RuntimeError):
    """The process at the other end of a line ended (it crashed, was killed, or is stopping)."""


class Line:
    def __init__(self, connection: Connection, peer: str) -> None:
        self._connection = connection
        self._lock = threading.Lock()
        self.peer = peer  # "worker 2 (pid 1234)", for messages

    def call(self, operation: str, *arguments: Any) -> Any:
        with self._lock:
            try:
                self._connection.send((operation, *arguments))
                ok, result = self._connection.recv()
            except (EOFError, OSError):
                raise WorkerGone(f"{self.peer} is gone (asked to {operation})") from None
        if not ok:
            raise WorkerGone(f"{self.peer} failed to {operation}: {result}")
        return result

    def greeting(self, timeout: float) -> Any:
        """What the peer says first, unasked: its pid once it started; raises, with its reason, if it did not."""
        try:
            if not self._connection.poll(timeout):
                raise WorkerGone(f"{self.peer} did not start within {timeout:g}s")
            ok, said = self._connection.recv()
        except (EOFError, OSError):
            raise WorkerGone(f"{self.peer} ended before it started") from None
        if not ok:
            raise WorkerGone(f"{self.peer} did not start: {said}")
        return said

    def post(self, operation: str, *arguments: Any) -> None:
        """Ask without waiting; `answer()` reads the answer later. Nothing is sent to a peer already gone."""
        try:
            self._connection.send((operation, *arguments))
        except OSError:
            pass

    def answer(self, timeout: float) -> Any | None:
        """The answer to what `post()` asked, or None if it failed, the peer is gone or `timeout` seconds pass."""
        try:
            if self._connection.poll(timeout):
                ok, result = self._connection.recv()
                return result if ok else None
        except (EOFError, OSError):
            pass
        return None

    def close(self) -> None:
        self._connection.close()


def answer_calls(connection: Connection, handle: Callable[..., Any]) -> None:
    """Answer what comes down `connection` with `handle(operation, *arguments)` until the other end closes.

    `handle` returns the result, or raises `StopIteration` after the answer it gives as its value
    (the last call, "stop"). An exception becomes a `(False, reason)` answer, not the end of the line.
    """
    while True:
        try:
            operation, *arguments = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply = (True, handle(operation, *arguments))
        except StopIteration as last:
            _send(connection, (True, last.value))
            return
        except Exception as error:  # noqa: BLE001 - said to the caller, which raises it there
            reply = (False, f"{type(error).__name__}: {error}")
        if not _send(connection, reply):
            return


def _send(connection: Connection, reply: tuple[bool, Any]) -> bool:
    try:
        connection.send(reply)
    except (OSError, ValueError):
        return False
    return True
