"""Expectations: what must hold after a run, each judged into expected-against-observed.

    expect.delivered("all")                                        # every record arrived (at least once)
    expect.duplicated(0)
    expect.attempts_per_batch("dropped", count=(4, 6), spread=(240, 360))
    expect.refused("Hostname mismatch")

A failed one reads as a sentence: "attempts per dropped batch: expected 4..6 over 240..360 s,
observed 5 at 0, 20, 60, 140, 300 s (9 dropped batches, all alike)". Numbers take a value ("all"
being every record sent), a (low, high) range, or at_least=/at_most=. Times are logical seconds
since the sender started. `that()` is the escape hatch: any check written in Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hecharness.generate import get_dataset
from hecharness.logpush import Attempt
from hecharness.scenario.bounds import Bound, number
from hecharness.scenario.observation import Believed, NotObserved, Observation

__all__ = [
    "Expectation",
    "Verdict",
    "delivered",
    "nothing_delivered",
    "missing",
    "duplicated",
    "unexpected",
    "retries",
    "retries_match_answers",
    "batches",
    "batches_dropped",
    "batch_limits",
    "attempts_per_batch",
    "BatchFate",
    "records_uploaded",
    "records_dropped",
    "records_lost",
    "lost_matches_missing",
    "job",
    "disabled_after",
    "no_backfill",
    "error_message",
    "last_error",
    "refused",
    "accepted",
    "compressed",
    "answers",
    "acks_issued",
    "ack_polls",
    "sourcetype",
    "timestamps",
    "preflight",
    "exit_code",
    "believed",
    "switched",
    "field_appears",
    "that",
]

Check = Callable[[Observation], tuple[bool, str, str]]  # -> passed, expected (resolved), observed
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


@dataclass(frozen=True)
class Verdict:
    what: str
    expected: str
    observed: str
    passed: bool

    @property
    def message(self) -> str:
        return f"{self.what}: expected {self.expected}, observed {self.observed}"

    def __str__(self) -> str:
        return f"{'ok' if self.passed else 'FAILED'}  {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"what": self.what, "expected": self.expected, "observed": self.observed, "passed": self.passed}


@dataclass(frozen=True)
class Expectation:
    """One thing that must hold. `at` (seconds after the start) asks the run for a snapshot of the job then."""

    what: str
    expected: str  # as written, before "all" is known
    check: Check
    at: float | None = None

    def judge(self, observation: Observation) -> Verdict:
        try:
            passed, expected, observed = self.check(observation)
        except NotObserved as reason:
            return Verdict(self.what, self.expected, f"nothing to judge: {reason}", False)
        return Verdict(self.what, expected, observed, passed)


def _measured(what: str, bound: Bound, measure: Callable[[Observation], tuple[float, str]], at: float | None = None) -> Expectation:
    def check(observation: Observation) -> tuple[bool, str, str]:
        resolved = bound.resolve(len(observation.records))
        value, shown = measure(observation)
        return resolved.holds(value), resolved.describe(), shown

    return Expectation(what, bound.describe(), check, at)


def _to(what: str, hec: str | None) -> str:
    return what if hec is None else f"{what} to {hec}"


def _seconds(value: float) -> str:
    return number(round(value, 1))


# -- delivery, from the journal's accounting --------------------------------------------------------


def delivered(value: Any = None, *, at_least: Any = None, at_most: Any = None, hec: str | None = None) -> Expectation:
    """Records that arrived at least once (at one HEC, or all of them)."""

    def measure(observation: Observation) -> tuple[float, str]:
        report = observation.delivery(hec)
        return report.delivered, f"{number(report.delivered)} of {number(report.expected)}"

    return _measured(_to("records delivered", hec), Bound.parse(value, at_least=at_least, at_most=at_most), measure)


def nothing_delivered(hec: str | None = None) -> Expectation:
    """No event at all reached the HEC (Logpush's validation probe aside)."""

    def check(observation: Observation) -> tuple[bool, str, str]:
        events = observation.events(hec)
        return not events, "none", "none" if not events else f"{number(len(events))} events"

    return Expectation(_to("records delivered", hec), "none", check)


def missing(value: Any = None, *, at_least: Any = None, at_most: Any = None, hec: str | None = None) -> Expectation:
    def measure(observation: Observation) -> tuple[float, str]:
        gone = observation.delivery(hec).missing_keys
        return len(gone), number(len(gone)) + (f" (first: {observation.show(gone)})" if gone else "")

    return _measured(_to("records missing", hec), Bound.parse(value, at_least=at_least, at_most=at_most), measure)


def duplicated(value: Any = None, *, at_least: Any = None, at_most: Any = None, hec: str | None = None) -> Expectation:
    """Extra arrivals of records that were sent once."""

    def measure(observation: Observation) -> tuple[float, str]:
        report = observation.delivery(hec)
        twice = list(report.duplicated_keys)
        return report.duplicated, number(report.duplicated) + (f" (first: {observation.show(twice)})" if twice else "")

    return _measured(_to("duplicate arrivals", hec), Bound.parse(value, at_least=at_least, at_most=at_most), measure)


def unexpected(value: Any = None, *, at_least: Any = None, at_most: Any = None, hec: str | None = None) -> Expectation:
    """Events nobody sent (Logpush's validation probe aside)."""

    def measure(observation: Observation) -> tuple[float, str]:
        extra = observation.delivery(hec).unexpected_keys
        return len(extra), number(len(extra)) + (f" (first: {observation.show(extra, 1)})" if extra else "")

    return _measured(_to("unexpected events", hec), Bound.parse(value, at_least=at_least, at_most=at_most), measure)


# -- what the sender did, from the simulator's report ------------------------------------------------


def _metric(what: str, name: str) -> Callable[..., Expectation]:
    def expectation(value: Any = None, *, at_least: Any = None, at_most: Any = None) -> Expectation:
        def measure(observation: Observation) -> tuple[float, str]:
            count = getattr(observation.logpush().metrics, name)
            return count, number(count)

        return _measured(what, Bound.parse(value, at_least=at_least, at_most=at_most), measure)

    expectation.__name__ = name
    expectation.__doc__ = f"The simulator's `metrics.{name}`: {what}."
    return expectation


retries = _metric("retries (attempts after a batch's first)", "retries")
batches = _metric("batches", "batches")
batches_dropped = _metric("batches dropped", "batches_dropped")
records_uploaded = _metric("records the sender counted uploaded", "records_uploaded")
records_dropped = _metric("records dropped after their batch's last attempt", "records_dropped")


def records_lost(value: Any = None, *, at_least: Any = None, at_most: Any = None) -> Expectation:
    """Records the sender gave up: dropped after retries, plus those that fell while the job was disabled."""

    def measure(observation: Observation) -> tuple[float, str]:
        metrics = observation.logpush().metrics
        lost = metrics.records_dropped + metrics.records_lost_disabled
        return lost, f"{number(lost)} ({number(metrics.records_dropped)} dropped after retries, {number(metrics.records_lost_disabled)} while disabled)"

    return _measured("records lost", Bound.parse(value, at_least=at_least, at_most=at_most), measure)


def lost_matches_missing() -> Expectation:
    """The sender's own count of lost records is exactly what the HEC never got: no silent loss, no phantom."""

    def check(observation: Observation) -> tuple[bool, str, str]:
        metrics = observation.logpush().metrics
        lost = metrics.records_dropped + metrics.records_lost_disabled
        gone = observation.delivery().missing
        return lost == gone, "the same number", f"{number(lost)} counted lost, {number(gone)} missing at the HEC"

    return Expectation("records lost against missing at the HEC", "the same number", check)


def retries_match_answers(status: int) -> Expectation:
    """Every `status` answer from the HEC led to exactly one retry."""

    def check(observation: Observation) -> tuple[bool, str, str]:
        answered = len([r for r in observation.requests() if r.status == status])
        done = observation.logpush().metrics.retries
        return done == answered and answered > 0, f"one per {status} answer", f"{number(done)} retries for {number(answered)} {status} answers"

    return Expectation(f"retries against {status} answers", f"one per {status} answer", check)


class BatchFate(StrEnum):
    """Which batches `attempts_per_batch` looks at."""

    DROPPED = "dropped"
    RETRIED = "retried"  # failed, then delivered
    FAILED = "failed"  # either


def attempts_per_batch(which: str = "dropped", *, count: Any = None, spread: Any = None) -> Expectation:
    """How many attempts each `which` batch got ("dropped", "retried": failed then delivered, or "failed":
    either), and how far apart in logical time its first and last were."""
    if which not in tuple(BatchFate):
        raise ValueError(f"which must be 'dropped', 'retried' or 'failed', got {which!r}")
    which = BatchFate(which)
    if count is None and spread is None:
        raise ValueError("give count=, spread= or both")
    count_bound = None if count is None else Bound.parse(count)
    spread_bound = None if spread is None else Bound.parse(spread, unit="s")
    expected = " over ".join(str(b) for b in (count_bound, spread_bound) if b is not None)
    what = f"attempts per {which} batch"

    def fits(attempts: list[Attempt]) -> bool:
        span = attempts[-1].time - attempts[0].time
        return (count_bound is None or count_bound.holds(len(attempts))) and (spread_bound is None or spread_bound.holds(span))

    def check(observation: Observation) -> tuple[bool, str, str]:
        chosen = [a for a in _by_batch(observation.logpush().attempts).values() if _is(which, a)]
        if not chosen:
            return False, expected, f"no {which} batch"
        misfits = [a for a in chosen if not fits(a)]
        shown = misfits[0] if misfits else chosen[0]
        offsets = ", ".join(_seconds(a.time - shown[0].time) for a in shown)
        text = f"{len(shown)} at {offsets} s"
        plural = "batch" if len(chosen) == 1 else "batches"
        if misfits:
            text += f" (batch {shown[0].batch}; {len(misfits)} of {len(chosen)} {which} {plural} outside)"
        elif len(chosen) > 1:
            text += f" ({len(chosen)} {which} {plural}, all within)"
        return not misfits, expected, text

    return Expectation(what, expected, check)


def batch_limits(records: int = 100_000, seconds: float = 30.0) -> Expectation:
    """Each batch of a steady stream closed at `records` records, or `seconds` after it opened (with the
    record after the previous batch closed)."""
    expected = f"each closed at {number(records)} records or {_seconds(seconds)} s"

    def check(observation: Observation) -> tuple[bool, str, str]:
        firsts = [a[0] for a in _by_batch(observation.logpush().attempts).values()]
        if not firsts:
            return False, expected, "no batch"
        previous, parts, wrong = observation.started_at, [], []
        gap = 1 / observation.rate
        for attempt in firsts:
            by_count = attempt.records == records
            # The next batch opens with the record after the last one closed: one record's gap later.
            by_time = attempt.records < records and attempt.time - previous <= seconds + gap + 1e-6
            parts.append(f"{number(attempt.records)} at {_seconds(observation.offset(attempt.time))} s")
            if not (by_count or by_time):
                wrong.append(attempt.batch)
            previous = attempt.time
        shown = ", ".join(parts[:4]) + (", ..." if len(parts) > 4 else "")
        if wrong:
            shown += f" (batch {wrong[0]} breaks the limits)"
        return not wrong, expected, f"{len(firsts)} batches: {shown}"

    return Expectation("batch limits", expected, check)


# -- the job's state ----------------------------------------------------------------------------------


def _moment(at: float | None) -> str:
    return "" if at is None else f" at {_seconds(at)} s"


def job(enabled: bool, *, at: float | None = None) -> Expectation:
    """The job is enabled (or disabled) at the end, or `at` seconds in."""
    wanted = "enabled" if enabled else "disabled"

    def check(observation: Observation) -> tuple[bool, str, str]:
        state = observation.job_at(at)
        return state.enabled == enabled, wanted, "enabled" if state.enabled else "disabled"

    return Expectation("job" + _moment(at), wanted, check, at)


def disabled_after(value: Any = None, *, at_least: Any = None, at_most: Any = None) -> Expectation:
    """The job disabled itself this many seconds after its first failed attempt."""

    def measure(observation: Observation) -> tuple[float, str]:
        report = observation.logpush()
        failures = [a for a in report.attempts if a.outcome != "delivered"]
        disabled = [e for e in report.events if e.kind == "disabled"]
        if not failures or not disabled:
            raise NotObserved("the job never failed" if not failures else "the job was never disabled")
        delay = disabled[0].time - failures[0].time
        return delay, f"{_seconds(delay)} s (first failure at {_seconds(observation.offset(failures[0].time))} s, disabled at {_seconds(observation.offset(disabled[0].time))} s)"

    return _measured("job disabled itself after", Bound.parse(value, at_least=at_least, at_most=at_most, unit="s"), measure)


def no_backfill() -> Expectation:
    """Records that became available while the job was disabled never arrive, even after it is enabled again."""
    expected = "none of the disabled period's records, new records after re-enabling"

    def check(observation: Observation) -> tuple[bool, str, str]:
        report = observation.logpush()
        periods, since = [], None
        for event in report.events:
            if event.kind == "disabled" and since is None:
                since = event.time
            elif event.kind == "enabled" and since is not None:
                periods.append((since, event.time))
                since = None
        if since is not None:
            periods.append((since, float("inf")))
        if not periods:
            raise NotObserved("the job was never disabled")
        arrived = observation.arrived_keys()
        gap = [r for t, r in observation.records if any(start <= t < end for start, end in periods)]
        back = periods[-1][1]
        after = [r for t, r in observation.records if t >= back]
        from_gap = sum(1 for r in gap if arrived[observation.key_of(r)])
        since_back = sum(1 for r in after if arrived[observation.key_of(r)])
        window = ", ".join(f"{_seconds(observation.offset(s))}..{'end' if e == float('inf') else _seconds(observation.offset(e))} s" for s, e in periods)
        text = f"{number(from_gap)} of {number(len(gap))} records from the disabled period ({window}) arrived"
        if back != float("inf"):
            text += f"; {number(since_back)} of {number(len(after))} made after re-enabling did"
        passed = bool(gap) and from_gap == 0 and (back == float("inf") or since_back > 0)
        return passed, expected, text

    return Expectation("no backfill", expected, check)


def error_message(contains: str | None, *, at: float | None = None) -> Expectation:
    """The job's `error_message` contains a text ("" for any), or (None) is null."""
    wanted = "null" if contains is None else f"to contain {contains!r}" if contains else "a message"

    def check(observation: Observation) -> tuple[bool, str, str]:
        message = observation.job_at(at).error_message
        passed = message is None if contains is None else message is not None and contains in message
        return passed, wanted, "null" if message is None else repr(_clip(message))

    return Expectation("error_message" + _moment(at), wanted, check, at)


def last_error(set: bool, *, at: float | None = None) -> Expectation:
    """The job's `last_error` is a time (set) or null: "if not null, the job is currently failing"."""
    wanted = "a time" if set else "null"

    def check(observation: Observation) -> tuple[bool, str, str]:
        value = observation.job_at(at).last_error
        return (value is not None) == set, wanted, "null" if value is None else value

    return Expectation("last_error" + _moment(at), wanted, check, at)


# -- creating the job ---------------------------------------------------------------------------------


def refused(*causes: str) -> Expectation:
    """Creating the job was refused, with every one of `causes` in the API's error message."""
    wanted = "refused: " + " ... ".join(repr(c) for c in causes) if causes else "refused"

    def check(observation: Observation) -> tuple[bool, str, str]:
        if observation.refusal is None:
            return False, wanted, "the job was created"
        message = observation.refusal["message"]
        return all(c in message for c in causes), wanted, f"refused ({observation.refusal['code']}): {_clip(message)}"

    return Expectation("creating the job", wanted, check)


def accepted() -> Expectation:
    """Creating the job passed Logpush's checks and validation probe."""

    def check(observation: Observation) -> tuple[bool, str, str]:
        if observation.refusal is not None:
            return False, "created", f"refused: {_clip(observation.refusal['message'])}"
        observation.logpush()
        return True, "created", "created"

    return Expectation("creating the job", "created", check)


# -- what the HEC saw ---------------------------------------------------------------------------------


def compressed(value: Any = None, *, at_least: Any = None, at_most: Any = None) -> Expectation:
    """Bytes decoded per byte on the wire, over every request with a body (1 means not compressed)."""

    def measure(observation: Observation) -> tuple[float, str]:
        wire = decoded = 0
        for request in observation.requests():
            wire, decoded = wire + request.bytes_in, decoded + request.bytes_decoded
        if not wire:
            raise NotObserved("no request carried a body")
        ratio = decoded / wire
        return ratio, f"{ratio:.1f}x ({number(wire)} bytes on the wire for {number(decoded)})"

    bound = Bound.parse(value, at_least=at_least, at_most=at_most, unit="x")
    return _measured("compression", bound, measure)


def answers(value: Any = None, *, status: int, code: int | None = None, at_least: Any = None, at_most: Any = None, hec: str | None = None) -> Expectation:
    """How many requests the HEC answered with `status` (and HEC `code`)."""
    label = f"{status}" + (f"/{code}" if code is not None else "")

    def measure(observation: Observation) -> tuple[float, str]:
        count = len([r for r in observation.requests(hec) if r.status == status and (code is None or r.code == code)])
        return count, number(count)

    return _measured(_to(f"{label} answers", hec) if hec else f"{label} answers", Bound.parse(value, at_least=at_least, at_most=at_most), measure)


def acks_issued(value: Any = None, *, at_least: Any = None, at_most: Any = None, hec: str | None = None) -> Expectation:
    """How many answers carried an `ackId` (the token has indexer acknowledgement on)."""

    def measure(observation: Observation) -> tuple[float, str]:
        count = len([r for r in observation.requests(hec) if r.ack_id is not None])
        return count, number(count)

    return _measured(_to("ackIds issued", hec), Bound.parse(value, at_least=at_least, at_most=at_most), measure)


def ack_polls(value: Any = None, *, at_least: Any = None, at_most: Any = None, hec: str | None = None) -> Expectation:
    """How many requests polled /services/collector/ack for acknowledgements."""

    def measure(observation: Observation) -> tuple[float, str]:
        count = len([r for r in observation.requests(hec) if r.path.rstrip("/").endswith(("/ack", "/ack/1.0"))])
        return count, number(count)

    return _measured(_to("ack polls", hec), Bound.parse(value, at_least=at_least, at_most=at_most), measure)


def sourcetype(expected: str = "cloudflare:json", hec: str | None = None) -> Expectation:
    """Every event was indexed under `expected`."""

    def check(observation: Observation) -> tuple[bool, str, str]:
        seen: dict[str, int] = {}
        for event in observation.events(hec):
            seen[event.sourcetype] = seen.get(event.sourcetype, 0) + 1
        if not seen:
            return False, f"every event {expected}", "no events"
        shown = ", ".join(f"{name} x{number(n)}" for name, n in sorted(seen.items()))
        return set(seen) == {expected}, f"every event {expected}", shown

    return Expectation(_to("sourcetype", hec), f"every event {expected}", check)


def timestamps(form: str = "rfc3339") -> Expectation:
    """Every timestamp field of the dataset, in every event, is an RFC 3339 string (what the Splunk app parses)."""
    if form != "rfc3339":
        raise ValueError(f"only 'rfc3339' is checked, got {form!r}")
    expected = "every timestamp RFC 3339"

    def check(observation: Observation) -> tuple[bool, str, str]:
        names = get_dataset(observation.dataset).timestamp_fields
        checked, example = 0, ""
        for event in observation.events():
            payload = event.data()
            if not isinstance(payload, dict):
                return False, expected, f"an event that is not JSON: {_clip(event.text)}"
            for name in names:
                if name not in payload:
                    continue
                value = payload[name]
                if not isinstance(value, str) or not RFC3339.fullmatch(value):
                    return False, expected, f"{name}={value!r} (after {number(checked)} good ones)"
                checked += 1
                example = example or f"{name}={value}"
        if not checked:
            return False, expected, f"no timestamp field ({', '.join(names)}) in any event"
        return True, expected, f"{number(checked)} timestamps, all RFC 3339 (e.g. {example})"

    return Expectation("timestamps", expected, check)


# -- other senders ------------------------------------------------------------------------------------


def preflight(ok: bool = True, *, failure: str | None = None, cause: str | None = None) -> Expectation:
    """The pre-flight check passed, or failed with the `failure` class and a cause containing `cause`."""
    if ok and (failure or cause):
        raise ValueError("a passing check has no failure or cause")
    wanted = "ok" if ok else " ".join(part for part in (failure or "a failure", f"naming {cause!r}" if cause else "") if part)

    def check(observation: Observation) -> tuple[bool, str, str]:
        result = observation.preflight
        if result is None:
            raise NotObserved(f"the sender here is {observation.sender}, not the pre-flight check")
        if result.ok:
            return ok, wanted, "ok"
        shown = f"{result.failure}: {_clip(result.cause or '')}"
        if ok:
            return False, wanted, shown
        passed = (failure is None or result.failure.name == failure) and (cause is None or cause in (result.cause or ""))
        return passed, wanted, shown

    return Expectation("pre-flight check", wanted, check)


def exit_code(code: int = 0) -> Expectation:
    def check(observation: Observation) -> tuple[bool, str, str]:
        result = observation.command
        if result is None:
            raise NotObserved(f"the sender here is {observation.sender}, not a command")
        if result.timed_out:
            return False, str(code), f"killed after {_seconds(result.seconds)} s"
        tail = (result.stderr.strip().splitlines() or [""])[-1]
        return result.exit_code == code, str(code), f"{result.exit_code}" + (f" ({_clip(tail)})" if result.exit_code != code and tail else "")

    return Expectation("command exit code", str(code), check)


def believed(what: str, value: Any = None, *, at_least: Any = None, at_most: Any = None) -> Expectation:
    """Records the sender believed `what` (one of `Believed`: "delivered", "acked", "accepted", "resent",
    "ack-timeouts", "given-up"), for a sender that keeps such an account (`AckPolling`). Beside
    `delivered()` and `missing()`, it shows where the sender's belief and the journal part."""
    if what not in tuple(Believed):
        raise ValueError(f"what must be one of {', '.join(Believed)}; got {what!r}")
    what = Believed(what)

    def measure(observation: Observation) -> tuple[float, str]:
        counted = observation.believed(what)
        return counted, number(counted)

    return _measured(f"records the sender believed {what}", Bound.parse(value, at_least=at_least, at_most=at_most), measure)


# -- changes to a running job -------------------------------------------------------------------------


def switched(to: str, *, after: Any = (600, 900)) -> Expectation:
    """After a destination change, the old HEC kept receiving until it applied, `after` seconds later;
    from then on only the HEC named `to` did."""
    bound = Bound.parse(after, unit="s")
    expected = f"the change applied after {bound}, old HEC until then, {to} after"

    def check(observation: Observation) -> tuple[bool, str, str]:
        requested, applied = _change(observation)
        old = next(name for name in observation.journals if name != to)
        old_times = [t for t, _ in _timed_events(observation, old)]
        new_times = [t for t, _ in _timed_events(observation, to)]
        if not old_times or not new_times:
            return False, expected, f"{old} got {len(old_times)} events, {to} got {len(new_times)}"
        delay = applied - requested
        text = (
            f"requested at {_seconds(observation.offset(requested))} s, applied {_seconds(delay)} s later; "
            f"{old} last received at {_seconds(observation.offset(max(old_times)))} s, {to} first at {_seconds(observation.offset(min(new_times)))} s"
        )
        passed = bound.holds(delay) and max(old_times) <= applied <= min(new_times)
        return passed, expected, text

    return Expectation("destination switch", expected, check)


def field_appears(name: str, *, after: Any = (600, 930)) -> Expectation:
    """A field added to the job first reaches the HEC `after` seconds after the change was requested
    (the propagation delay, plus the batch in hand)."""
    bound = Bound.parse(after, unit="s")

    def check(observation: Observation) -> tuple[bool, str, str]:
        requested, _ = _change(observation)
        times = [t for t, event in _timed_events(observation) if isinstance(payload := event.data(), dict) and name in payload]
        if not times:
            return False, f"{bound} after the change", f"{name} never arrived"
        delay = min(times) - requested
        return bound.holds(delay), f"{bound} after the change", f"{_seconds(delay)} s after the change requested at {_seconds(observation.offset(requested))} s"

    return Expectation(f"field {name} first arrives", f"{bound} after the change", check)


def _change(observation: Observation) -> tuple[float, float]:
    events = observation.logpush().events
    requested = next((e.time for e in events if e.kind == "change-requested"), None)
    applied = next((e.time for e in events if e.kind == "change-applied"), None)
    if requested is None or applied is None:
        raise NotObserved("no change was requested" if requested is None else "the change never applied")
    return requested, applied


def _timed_events(observation: Observation, hec: str | None = None) -> list[tuple[float, Any]]:
    """Events (probes left out) with the logical time their request arrived."""
    names = [hec] if hec is not None else list(observation.journals)
    out = []
    for name in names:
        journal = observation.journal(name)
        times = {r.id: r.time for r in journal.requests()}
        out.extend((times[e.request_id], e) for e in observation.events(name) if e.request_id in times)
    return sorted(out, key=lambda pair: pair[0])


# -- the escape hatch ---------------------------------------------------------------------------------


def that(what: str, check: Callable[[Observation], tuple[bool, str]], expected: str = "to hold", *, at: float | None = None) -> Expectation:
    """Any check in Python: `check(observation)` returns (passed, what was observed)."""

    def judged(observation: Observation) -> tuple[bool, str, str]:
        passed, observed = check(observation)
        return bool(passed), expected, observed

    return Expectation(what, expected, judged, at)


# -- helpers ------------------------------------------------------------------------------------------


def _by_batch(attempts: Sequence[Attempt]) -> dict[int, list[Attempt]]:
    grouped: dict[int, list[Attempt]] = {}
    for attempt in attempts:
        grouped.setdefault(attempt.batch, []).append(attempt)
    return dict(sorted(grouped.items()))


def _is(which: BatchFate, attempts: list[Attempt]) -> bool:
    last = attempts[-1].outcome
    if which == BatchFate.DROPPED:
        return last == "dropped"
    if which == BatchFate.RETRIED:
        return last == "delivered" and len(attempts) > 1
    return any(a.outcome != "delivered" for a in attempts)


def _clip(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
