"""Error bookkeeping for one test: which servers it used and which of their tracebacks it has reported."""

from __future__ import annotations

from collections.abc import Iterable

from hecharness.hec.server import FakeHEC, ServerError

__all__ = ["ErrorWatch"]


class ErrorWatch:
    """The servers one test used, each with how many of its errors were already reported.

    An error raised inside a server belongs to the test that was using it; reporting each one once
    keeps a failure from being told again by the next check of the same test.
    """

    def __init__(self) -> None:
        self._seen: dict[FakeHEC, int] = {}

    def take(self, server: FakeHEC) -> None:
        """Reset a shared server before the test uses it, once even if two fixtures hand out the same one."""
        if server not in self._seen:
            server.reset()
            self._seen[server] = 0

    def watch(self, server: FakeHEC) -> None:
        """Follow a server the test made itself; its errors so far are its own, so none counts as seen."""
        self._seen[server] = 0

    def release(self, server: FakeHEC, timeout: float) -> str:
        """End what `server` still serves (it belongs to this test); a warning to show if it did not finish in time."""
        if server.settle(timeout):
            return ""
        return (
            f"{server!r} was still serving a request {timeout:g}s after the test ended "
            "(a long delay fault, or a client still sending); it may show up in the next test's journal"
        )

    def unreported(self, servers: Iterable[FakeHEC] | None = None) -> str:
        """The tracebacks of `servers` (default: all watched) not reported yet, as one message; empty if none."""
        tracebacks: list[str] = []
        for server in list(self._seen) if servers is None else servers:
            errors = server.errors
            tracebacks += errors[self._seen.get(server, 0) :]
            self._seen[server] = len(errors)
        return str(ServerError(tracebacks)) if tracebacks else ""

    def __bool__(self) -> bool:
        return bool(self._seen)
