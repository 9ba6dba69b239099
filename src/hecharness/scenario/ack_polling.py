"""A sender that waits for indexer acknowledgement, as Vector's splunk_hec sink and the Kafka connector do.

    sender=AckPolling(batch=100, poll_interval=10, ack_timeout=60, attempts=3, time_scale=30)

It cuts the records into batches and posts each, once its last record is available, to
/services/collector/raw on one channel (`X-Splunk-Request-Channel`). A 200 with an `ackId` is not
delivery yet: every `poll_interval` seconds one request to /services/collector/ack asks about every
id still pending, and a batch whose id has not read true after `ack_timeout` seconds is sent again,
`attempts` times in all, then given up. A 200 without an ackId (a token without acknowledgement) is
all the answer there is, and the batch counts as delivered. A 5xx, 429 or dropped connection is
retried after `poll_interval`; any other answer gives the batch up.

What makes it behave like the real ones behind a load balancer:

- It knows a pending batch by its ackId alone. Indexers each count ids from 0 per channel, so a
  batch given an id that is already pending (from another indexer) takes its place, and the batch
  it displaced can only time out and be sent again (vector #19417, kafka-connect-splunk #122).
- `cookies=True` keeps a cookie jar, as an HTTP client does: a sticky load balancer's cookie
  (AWSALB, or splunkd's `channel_cookie`) goes back with every later post and poll. `False` drops
  them, as Vector did before PR #23156.
- Its first batch goes alone (Vector's adaptive concurrency starts at one request in flight), so
  the cookie is in the jar before `concurrency` batches fan out.

It runs on a real clock `time_scale` times faster. The ack timeout is counted in polls made after
the post (`ack_timeout / poll_interval` of them, Vector's `retry_limit`), so a slow answer never
shortens the wait: compressing time cannot turn a late ack into a time-out. Likewise a request's own
`timeout` is logical time plus a few real seconds for the work of moving its bytes.

What it believed became of each batch (acked, accepted, timed out, resent, given up) is its
`PollingBelief` (an `observation.Belief`): the report shows it beside what arrived, and
`expect.believed(...)` judges it.
"""

from __future__ import annotations

import asyncio
import math
import ssl
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from http.cookiejar import CookieJar, DefaultCookiePolicy
from itertools import count
from typing import Any, ClassVar

import httpx

from hecharness.clock import Clock, RealClock
from hecharness.scenario.context import Run
from hecharness.scenario.observation import Believed, Observation
from hecharness.scenario.sender import register
from hecharness.scenario.timeline import Mark, MarkOutcome

__all__ = ["AckPolling", "AckPollingDriver", "PollingBelief", "Post", "PostOutcome"]

_RAW = "/services/collector/raw"
_ACK = "/services/collector/ack"
# Real seconds a request's time-out allows beyond its logical budget: moving bytes and the fake's own work
# take real time, which compressing the clock does not shorten (on a busy machine, a good part of a second).
_REAL_GRACE = 5.0


@dataclass(frozen=True)
class AckPolling:
    """Posts batches on one channel and polls /services/collector/ack for each, resending on a time-out.

    Times are logical seconds on a real clock `time_scale` times faster (see the module's docstring).
    """

    kind: ClassVar[str] = "ack-polling"

    batch: int = 100  # records per post
    concurrency: int = 4  # batches in flight at once, after the first
    poll_interval: float = 10.0  # Vector's query_interval, the Kafka connector's ackPollInterval
    ack_timeout: float = 300.0  # Vector's 30 polls of 10 s, the Kafka connector's eventBatchTimeout
    attempts: int = 3  # posts of one batch, the first included
    cookies: bool = True
    timeout: float = 30.0  # for one request's answer, in the HEC's (logical) time
    time_scale: float = 1.0

    def __post_init__(self) -> None:
        for name in ("batch", "concurrency", "attempts"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
        for name in ("poll_interval", "ack_timeout", "timeout", "time_scale"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"{name} must be a number above 0, got {value!r}")
        if self.ack_timeout < self.poll_interval:
            raise ValueError(f"ack_timeout ({self.ack_timeout:g} s) must allow one poll ({self.poll_interval:g} s)")

    @property
    def polls(self) -> int:
        """Polls a batch waits through for its ack before it times out."""
        return math.ceil(self.ack_timeout / self.poll_interval - 1e-9)


class PostOutcome(StrEnum):
    """What the sender made of one post of a batch."""

    ACKED = "acked"  # its ackId read true
    ACCEPTED = "accepted"  # 200 without an ackId: all the answer there is
    ACK_TIMEOUT = "ack-timeout"  # its ackId never read true in time (or another batch took it over)
    REFUSED = "refused"  # a non-2xx answer
    FAILED = "failed"  # no answer: refused connection, reset, time-out


@dataclass(frozen=True)
class Post:
    """One post of a batch and what became of it, as the sender saw it."""

    batch: int
    attempt: int
    offset: float  # logical seconds since the sender started
    records: int
    answer: str  # "200", "503 code 9", "ConnectError"
    ack_id: int | None
    outcome: PostOutcome
    polls: int = 0  # polls made while it waited for its ack


@dataclass
class PollingBelief:
    """What the sender believed: every post, and records counted by what it made of them (`Believed`)."""

    posts: list[Post] = field(default_factory=list)
    polls: int = 0
    polls_failed: int = 0  # ack polls without a 200 answer

    def count(self, what: Believed) -> int:
        return self._counts()[Believed(what)]

    def _counts(self) -> Counter[Believed]:
        counts: Counter[Believed] = Counter(dict.fromkeys(Believed, 0))
        last: dict[int, Post] = {}
        for post in self.posts:
            last[post.batch] = post
            counts[Believed.RESENT] += post.records if post.attempt > 1 else 0
            counts[Believed.ACK_TIMEOUTS] += post.records if post.outcome == PostOutcome.ACK_TIMEOUT else 0
        for post in last.values():
            if post.outcome in (PostOutcome.ACKED, PostOutcome.ACCEPTED):
                counts[Believed(str(post.outcome))] += post.records
                counts[Believed.DELIVERED] += post.records
            else:
                counts[Believed.GIVEN_UP] += post.records
        return counts

    def marks(self) -> list[Mark]:
        last = {post.batch: post for post in self.posts}
        marks = []
        for post in sorted(self.posts, key=lambda p: (p.batch, p.attempt)):
            if post.outcome in (PostOutcome.ACKED, PostOutcome.ACCEPTED):
                outcome = MarkOutcome.DELIVERED
            else:
                outcome = MarkOutcome.DROPPED if post is last[post.batch] else MarkOutcome.RETRY
            ack = f", ackId {post.ack_id} after {post.polls} poll{'s' if post.polls != 1 else ''}" if post.ack_id is not None else ""
            label = f"batch {post.batch}, post {post.attempt} at {post.offset:,.1f} s: {post.outcome} ({post.answer}{ack}), {post.records:,} records"
            marks.append(Mark(f"batch {post.batch}", post.offset, outcome, label))
        return marks

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": {str(what): counted for what, counted in self._counts().items()},
            "polls": self.polls,
            "polls_failed": self.polls_failed,
            "posts": [asdict(post) for post in sorted(self.posts, key=lambda p: p.offset)],
        }


class AckPollingDriver:
    """Runs the batches with `concurrency` workers and one poller, the timeline beside them."""

    over_time = True
    admin = False

    def clock(self, sender: AckPolling) -> Clock:
        return RealClock(scale=sender.time_scale)  # the fakes must answer while it waits, so not a virtual clock

    async def send(self, sender: AckPolling, run: Run) -> Observation:
        started = run.clock.now()
        records = run.expected_records(started, encoded=True)
        run.add_faults()
        belief = PollingBelief()
        async with run.acting(), _client(sender, run) as client:
            await _Push(sender, run, client, records, started, belief).push()
        if run.key is not None:
            records = run.expected_records(started)
        return run.observation(started, run.clock.now(), records, belief=belief)


def _client(sender: AckPolling, run: Run) -> httpx.AsyncClient:
    ca = run.ca_bundle()
    # A policy that allows no domain keeps the jar empty: a client that ignores Set-Cookie.
    jar = CookieJar() if sender.cookies else CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return httpx.AsyncClient(
        base_url=run.base_url(),
        verify=ssl.create_default_context(cafile=ca) if ca is not None else True,
        headers={"Authorization": f"Splunk {run.token()}", "X-Splunk-Request-Channel": run.channel},
        cookies=jar,
        timeout=run.clock.wall_timeout(sender.timeout) + _REAL_GRACE,
    )


@dataclass(eq=False)  # each is itself, kept in a set
class _Waiter:
    """A batch waiting for its ack: the poller settles it, acked or timed out, and counts the polls it waited through."""

    settled: asyncio.Event = field(default_factory=asyncio.Event)
    acked: bool = False
    polls: int = 0


class _Push:
    """One run of the sender: the batches, the ids pending, and what it believed."""

    def __init__(self, sender: AckPolling, run: Run, client: httpx.AsyncClient, records: Sequence[tuple[float, bytes]], started: float, belief: PollingBelief) -> None:
        self.sender, self.run, self.client, self.started, self.belief = sender, run, client, started, belief
        size = sender.batch
        self.batches = [records[first : first + size] for first in range(0, len(records), size)]
        self.next_batch = count()
        self.pending: dict[int, _Waiter] = {}  # by ackId alone, as the real senders keep them
        self.waiting: set[_Waiter] = set()  # every batch still waiting, displaced ones too
        self.first_answered = asyncio.Event()

    async def push(self) -> None:
        # One task group: a worker or the poller that raises ends the rest, rather than leaving them waiting;
        # the run's error is then what it raised, not the group around it.
        try:
            async with asyncio.TaskGroup() as group:
                poller = group.create_task(self._poll())
                workers = [group.create_task(self._work(first=worker == 0)) for worker in range(self.sender.concurrency)]
                await asyncio.wait(workers)
                poller.cancel()
        except BaseExceptionGroup as raised:
            raise raised.exceptions[0] from None

    async def _work(self, first: bool) -> None:
        if not first:
            await self.first_answered.wait()
        while (index := next(self.next_batch)) < len(self.batches):
            batch = self.batches[index]
            await self.run.clock.sleep(batch[-1][0] - self.run.clock.now())  # its last record is available
            await self._deliver(index, b"\n".join(line for _, line in batch), len(batch))

    async def _deliver(self, index: int, body: bytes, records: int) -> None:
        for attempt in range(1, self.sender.attempts + 1):
            offset = self.run.clock.now() - self.started
            answer, ack_id, status = await self._post(body)
            self.first_answered.set()
            if status is not None and 200 <= status < 300 and ack_id is None:
                outcome, polls = PostOutcome.ACCEPTED, 0
            elif ack_id is not None:
                outcome, polls = await self._await_ack(ack_id)
            else:
                outcome, polls = (PostOutcome.FAILED if status is None else PostOutcome.REFUSED), 0
            self.belief.posts.append(Post(index, attempt, offset, records, answer, ack_id, outcome, polls))
            if outcome in (PostOutcome.ACKED, PostOutcome.ACCEPTED):
                return
            if outcome == PostOutcome.REFUSED and status is not None and status < 500 and status != 429:
                return  # the request itself is wrong: sending it again cannot help
            if outcome != PostOutcome.ACK_TIMEOUT and attempt < self.sender.attempts:
                await self.run.clock.sleep(self.sender.poll_interval)  # a busy or unreachable HEC gets a pause

    async def _post(self, body: bytes) -> tuple[str, int | None, int | None]:
        """The answer as the report shows it, the ackId if any, and the status (None: no answer)."""
        try:
            response = await self.client.post(_RAW, content=body, params={"sourcetype": "cloudflare:json"})
        except httpx.TransportError as error:
            return type(error).__name__, None, None
        reply = _json(response)
        code = reply.get("code")
        answer = f"{response.status_code}" + (f" code {code}" if code not in (None, 0) else "")
        ack_id = reply.get("ackId") if response.is_success else None
        return answer, ack_id if isinstance(ack_id, int) else None, response.status_code

    async def _await_ack(self, ack_id: int) -> tuple[PostOutcome, int]:
        waiter = _Waiter()
        self.pending[ack_id] = waiter  # a batch already pending under this id is displaced: it can only time out
        self.waiting.add(waiter)
        try:
            await waiter.settled.wait()
        finally:
            self.waiting.discard(waiter)
            if self.pending.get(ack_id) is waiter:
                del self.pending[ack_id]
        return (PostOutcome.ACKED if waiter.acked else PostOutcome.ACK_TIMEOUT), waiter.polls

    async def _poll(self) -> None:
        """Every poll interval, one request about every id pending; each waiting batch counts it."""
        while True:
            await self.run.clock.sleep(self.sender.poll_interval)
            if not self.waiting:
                continue
            counted = list(self.waiting)  # batches that began waiting after this poll was sent do not count it
            asked = dict(self.pending)
            acks = await self._ask(sorted(asked)) if asked else {}
            for ack_id, waiter in asked.items():
                waiter.acked = waiter.acked or acks.get(str(ack_id)) is True
            for waiter in counted:
                waiter.polls += 1
                if waiter.acked or waiter.polls >= self.sender.polls:
                    waiter.settled.set()

    async def _ask(self, ack_ids: list[int]) -> dict[str, Any]:
        self.belief.polls += 1
        try:
            response = await self.client.post(_ACK, json={"acks": ack_ids})
        except httpx.TransportError:
            self.belief.polls_failed += 1
            return {}
        acks = _json(response).get("acks") if response.is_success else None
        if not isinstance(acks, dict):
            self.belief.polls_failed += 1
            return {}
        return acks


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        reply = response.json()
    except ValueError:
        return {}
    return reply if isinstance(reply, dict) else {}


register(AckPolling.kind, AckPollingDriver())
