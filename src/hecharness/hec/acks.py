"""Indexer acknowledgement: ackIds per channel, each reported true once and then forgotten."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

__all__ = ["AckLedger", "SummedAcks"]


@dataclass
class _Channel:
    next_id: int = 0
    ready_at: dict[int, float] = field(default_factory=dict)  # issued, not yet reported true
    polled: int = 0  # ids asked about
    true: int = 0  # answers that were true


class AckLedger:
    """Issues ackIds from 0 on each channel and answers polls the way splunkd does.

    An id reads true once its ready time has come, then reads false forever after (Splunk drops
    it once reported). Ids never issued, or issued on another channel, read false.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._channels: dict[str, _Channel] = {}

    def issue(self, channel: str, ready_at: float, remember: bool = True) -> int:
        """A new ackId on `channel`, true from `ready_at`; with `remember=False` it is lost at once."""
        with self._lock:
            state = self._channels.setdefault(_canonical(channel), _Channel())
            ack_id = state.next_id
            state.next_id += 1
            if remember:
                state.ready_at[ack_id] = ready_at
            return ack_id

    def poll(self, channel: str, ack_ids: Iterable[int], now: float) -> dict[str, bool]:
        with self._lock:
            state = self._channels.get(_canonical(channel))
            answer: dict[str, bool] = {}
            for ack_id in ack_ids:
                ready = state is not None and state.ready_at.get(ack_id, now + 1) <= now
                if ready:
                    del state.ready_at[ack_id]  # type: ignore[union-attr]
                answer[str(ack_id)] = ready
            if state is not None:
                state.polled += len(answer)
                state.true += sum(answer.values())
            return answer

    def summary(self) -> dict[str, dict[str, int]]:
        """Per channel: ids issued, ids polled, polls answered true and false, ids still pending."""
        with self._lock:
            return {
                channel: {
                    "issued": state.next_id,
                    "polled": state.polled,
                    "true": state.true,
                    "false": state.polled - state.true,
                    "pending": len(state.ready_at),
                }
                for channel, state in self._channels.items()
            }

    def pending(self, channel: str) -> list[int]:
        """Ids issued on `channel` and not yet reported true."""
        with self._lock:
            state = self._channels.get(_canonical(channel))
            return sorted(state.ready_at) if state else []

    def clear(self) -> None:
        with self._lock:
            self._channels.clear()


class SummedAcks:
    """Several ledgers read as one, per channel, for the live page and /metrics: a cluster's indexers,
    or workers with a ledger each. `summaries` gives each ledger's `summary()` as it is now."""

    def __init__(self, summaries: Callable[[], Iterable[dict[str, dict[str, int]]]]) -> None:
        self._summaries = summaries

    def summary(self) -> dict[str, dict[str, int]]:
        merged: dict[str, dict[str, int]] = {}
        for summary in self._summaries():
            for channel, counts in summary.items():
                total = merged.setdefault(channel, dict.fromkeys(counts, 0))
                for name, value in counts.items():
                    total[name] = total.get(name, 0) + value
        return merged

    def clear(self) -> None:
        """Nothing to clear here: each ledger is cleared where it is kept."""


def _canonical(channel: str) -> str:
    # The same GUID written with braces, a urn prefix or other case is the same channel.
    return str(uuid.UUID(channel))
