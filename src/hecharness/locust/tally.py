"""What each sender sent, told to the master in a few numbers, and the run's sum of them.

A sender counts a batch as sent when it hands it to the wire, whatever the answer: a batch the HEC
refused or never got is still one the accounting must look for, and finds missing. Its records are
always the next ones of its slice, so the slice and a count say exactly which records went out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from itertools import chain
from typing import Any

from hecharness.logpush.batching import UploadBatch
from hecharness.logpush.slices import RecordSlice

__all__ = ["RunTally", "SentTally"]


@dataclass
class SentTally:
    """One sender's records so far: its slice, batches and bytes, and what failed or is on the wire."""

    slice: RecordSlice
    batches: int = 0
    bytes_raw: int = 0
    bytes_gzip: int = 0
    failed_batches: int = 0
    failed_records: int = 0
    in_flight: int = 0

    @property
    def records(self) -> int:
        return self.slice.records

    def taken(self, batch: UploadBatch) -> None:
        """`batch` goes on the wire now."""
        self.slice = self.slice.sent(self.slice.records + batch.records)
        self.batches += 1
        self.bytes_raw += batch.raw_bytes
        self.bytes_gzip += len(batch.body)
        self.in_flight += 1

    def answered(self, batch: UploadBatch, delivered: bool) -> None:
        """`batch`'s upload ended, accepted or not."""
        self.in_flight -= 1
        if not delivered:
            self.failed_batches += 1
            self.failed_records += batch.records

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "slice": self.slice.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SentTally:
        return cls(**{**data, "slice": RecordSlice.from_dict(data["slice"])})


@dataclass
class RunTally:
    """The master's view: each sender's latest tally, by the sender's id."""

    senders: dict[str, SentTally] = field(default_factory=dict)

    def update(self, sender: str, tally: Mapping[str, Any]) -> None:
        self.senders[sender] = SentTally.from_dict(tally)

    def total(self, name: str) -> int:
        return sum(getattr(tally, name) for tally in self.senders.values())

    @property
    def records(self) -> int:
        return self.total("records")

    def lines(self) -> Iterator[bytes]:
        """Every line sent, sender by sender, regenerated from the slices."""
        return chain.from_iterable(tally.slice.lines() for tally in self._ordered())

    @property
    def key(self) -> str | None:
        """The field records are told apart by; None before any sender reported."""
        slices = [tally.slice for tally in self.senders.values()]
        return slices[0].key if slices else None

    def sent_file(self) -> dict[str, Any]:
        """What `hecharness journal merge --sent` reads: every sender's slice."""
        return {"slices": [tally.slice.to_dict() for tally in self._ordered()]}

    def summary(self, seconds: float) -> str:
        """Records, batches and bytes sent, and the rate over `seconds` of sending."""
        records, batches = self.records, self.total("batches")
        rate = f" in {seconds:,.1f} s ({records / seconds:,.0f} records/s)" if seconds > 0 else ""
        failed = self.total("failed_batches")
        return (
            f"{len(self.senders)} sender(s) sent {records:,} records in {batches:,} batches{rate}; "
            f"{self.total('bytes_raw'):,} bytes, {self.total('bytes_gzip'):,} gzipped; "
            f"{failed:,} batches ({self.total('failed_records'):,} records) not accepted"
        )

    def _ordered(self) -> Iterable[SentTally]:
        return sorted(self.senders.values(), key=lambda tally: tally.slice.seed)
