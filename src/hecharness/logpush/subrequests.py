"""Subrequest merging: a job with `merge_subrequests` folds Worker subrequests into their parent's line.

What Cloudflare documents (2026-04, http_requests only):

- a subrequest (`WorkerSubrequest` true, `ClientRequestSource` edgeWorkerFetch, `ParentRayID` the
  visitor request's `RayID`) is merged into its parent's `Subrequests` array instead of being a
  line of its own, at most 50 per parent, and only if it completes within 5 minutes of the
  visitor request;
- the others pass through unmodified as lines of their own ("no data is lost").

Logpush has to hold a parent back until its subrequests can have come, so here a request that ran
a Worker (the only kind that makes subrequests) waits `window` seconds of processing time before it
goes on, or until the records run out. Records that cannot be parents, and subrequests whose parent
is not waiting, go on at once. Turning merging off lets every record arriving from then on pass,
and a parent that goes on after that goes with its subrequests as lines of their own.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FACTS", "MAX_MERGED", "WINDOW_SECONDS", "Merged", "merge_subrequests"]

MAX_MERGED = 50
WINDOW_SECONDS = 300.0
# The fields merging reads: who a record is, whose subrequest it is, and when it ran.
FACTS = ("RayID", "ParentRayID", "WorkerSubrequest", "WorkerScriptName", "EdgeStartTimestamp", "EdgeEndTimestamp")


@dataclass(eq=False)
class Merged:
    """A parent record and the subrequests folded into it, which travel as one line."""

    parent: Any
    subrequests: list[Any] = field(default_factory=list)


@dataclass(eq=False)
class _Waiting:
    key: Any
    available_at: float
    start_ns: Any  # EdgeStartTimestamp, when the record has it
    item: Any
    merged: Merged | None = None

    def fits(self, end_ns: Any, available_at: float, window: float, most: int) -> bool:
        if self.merged is not None and len(self.merged.subrequests) >= most:
            return False
        if type(end_ns) is int and type(self.start_ns) is int:
            return end_ns - self.start_ns <= window * 1_000_000_000
        # Records without their times (given by a caller) are judged by when they became available.
        return available_at - self.available_at <= window

    def take(self, subrequest: Any) -> None:
        if self.merged is None:
            self.merged = Merged(self.item)
        self.merged.subrequests.append(subrequest)

    @property
    def line(self) -> Any:
        return self.item if self.merged is None else self.merged


def merge_subrequests(
    timed: Iterable[tuple[float, Any]],
    facts_of: Callable[[Any], Mapping[str, Any]],
    merging: Callable[[], bool],
    *,
    window: float = WINDOW_SECONDS,
    most: int = MAX_MERGED,
) -> Iterator[tuple[float, Any]]:
    """(available_at, item) pairs in, the same out with subrequests folded into `Merged` parents.

    `facts_of` gives an item's `FACTS` fields; `merging` says whether the job merges right now.
    Output stays in availability order: a parent goes on when its window ends, at that time.
    """
    waiting: dict[Any, _Waiting] = {}
    order: deque[_Waiting] = deque()
    last = 0.0
    for available_at, item in timed:
        last = available_at
        while order and order[0].available_at + window <= available_at:
            entry = order.popleft()
            yield from _release(entry, waiting, entry.available_at + window, merging())
        if not merging():
            yield available_at, item
            continue
        facts = facts_of(item)
        if facts.get("WorkerSubrequest") is True:
            parent = waiting.get(facts.get("ParentRayID"))
            if parent is not None and parent.fits(facts.get("EdgeEndTimestamp"), available_at, window, most):
                parent.take(item)
                continue
        elif facts.get("WorkerScriptName"):
            entry = _Waiting(facts.get("RayID"), available_at, facts.get("EdgeStartTimestamp"), item)
            waiting[entry.key] = entry
            order.append(entry)
            continue
        yield available_at, item
    # No subrequest is still to come: every parent goes on now.
    while order:
        yield from _release(order.popleft(), waiting, last, merging())


def _release(entry: _Waiting, waiting: dict[Any, _Waiting], at: float, merging: bool) -> Iterator[tuple[float, Any]]:
    """A parent going on, with its subrequests inside; as lines of their own if merging stopped meanwhile."""
    if waiting.get(entry.key) is entry:
        del waiting[entry.key]
    if merging or entry.merged is None:
        yield at, entry.line
        return
    yield at, entry.item
    for subrequest in entry.merged.subrequests:
        yield at, subrequest
