"""How a job reacts to a failed upload: when it tries again, when it gives a batch up, when it quits.

Logpush's documentation has described this two ways, and both are offered as named profiles:

- `faq`: the long-standing FAQ answer, and the default. About five attempts over about five minutes,
  then the batch is dropped and its records are lost; errors that go on for a prolonged period
  disable the job. The FAQ gives no number for "prolonged"; we use one hour of failures.
- `retention`: the newest wording (health and alerts pages, and the 2026 rewrite of the retry text).
  Retries are bounded by how long a batch may be kept, not by a count, and a job that has not
  completed a successful push in 24 hours is disabled: 24 hours since the last success (or since the
  job was enabled), not since the first failure. Verified: the 24 hours, and that retries have no
  fixed count. Unverified: the retention window's length (3 hours here, after the older "buffered for
  up to a few hours") and the backoff between attempts.

Every number is a field, so a custom policy is the same object with other values. Which outcomes
are retried is part of the policy too: 5xx, 429 and 408, timeouts, resets and TLS failures by
default; any other 4xx is final, as the peers Logpush is compared with (Vector, Fluent Bit) treat it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any

from hecharness.errors import HecHarnessError

__all__ = ["DisableClock", "RetryPolicy", "POLICIES", "get_policy", "PolicyError"]


class PolicyError(HecHarnessError, ValueError):
    """A policy name or setting that cannot be used; the message names it."""


class DisableClock(StrEnum):
    """What a policy's `disable_after` is counted from."""

    FIRST_FAILURE = "first-failure"  # errors that go on this long, with no success in between (the FAQ)
    LAST_SUCCESS = "last-success"  # no successful push for this long, failing now (the alerts page)


@dataclass(frozen=True)
class RetryPolicy:
    name: str = "custom"
    max_attempts: int | None = 5  # attempts per batch, the first included; None: no limit by count
    first_retry_after: float = 20.0  # logical seconds from the first failure to the second attempt
    backoff: float = 2.0  # each wait is this many times the one before
    max_retry_after: float = 160.0
    give_up_after: float | None = None  # seconds after a batch is ready; None: no limit by age
    disable_after: float = 3600.0  # seconds, counted as `disable_clock` says
    disable_clock: DisableClock = DisableClock.FIRST_FAILURE
    jitter: float = 0.0  # each wait varies by up to this fraction, seeded
    upload_timeout: float = 30.0  # logical seconds an upload may take
    retry_statuses: tuple[int, ...] = (408, 429)  # retried besides every 5xx
    retry_transport_errors: bool = True  # timeouts, refused or reset connections, TLS failures

    def __post_init__(self) -> None:
        if self.max_attempts is not None and (not isinstance(self.max_attempts, int) or self.max_attempts < 1):
            raise PolicyError(f"max_attempts must be a whole number >= 1 or None, got {self.max_attempts!r}")
        for name in ("first_retry_after", "max_retry_after", "disable_after", "upload_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise PolicyError(f"{name} must be a number of seconds > 0, got {value!r}")
        if self.give_up_after is not None and not self.give_up_after > 0:
            raise PolicyError(f"give_up_after must be seconds > 0 or None, got {self.give_up_after!r}")
        if not self.backoff >= 1:
            raise PolicyError(f"backoff must be >= 1, got {self.backoff!r}")
        if not 0 <= self.jitter < 1:
            raise PolicyError(f"jitter must be a fraction from 0 to below 1, got {self.jitter!r}")
        if self.disable_clock not in set(DisableClock):
            choices = ", ".join(clock.value for clock in DisableClock)
            raise PolicyError(f"disable_clock must be one of {choices}, got {self.disable_clock!r}")
        object.__setattr__(self, "disable_clock", DisableClock(self.disable_clock))
        if self.max_attempts is None and self.give_up_after is None:
            raise PolicyError("a policy needs max_attempts or give_up_after, or a batch would be retried forever")

    def retry_after(self, failed_attempts: int, rng: random.Random) -> float:
        """The wait before the next attempt, after `failed_attempts` failures of the same batch."""
        wait = min(self.first_retry_after * self.backoff ** (failed_attempts - 1), self.max_retry_after)
        if self.jitter:
            wait *= 1 + rng.uniform(-self.jitter, self.jitter)
        return wait

    def next_attempt_at(self, ready_at: float, failed_attempts: int, now: float, rng: random.Random) -> float | None:
        """When to try a batch again, or None when the policy gives it up."""
        if self.max_attempts is not None and failed_attempts >= self.max_attempts:
            return None
        when = now + self.retry_after(failed_attempts, rng)
        if self.give_up_after is not None and when - ready_at > self.give_up_after:
            return None
        return when

    def retries(self, status: int | None) -> bool:
        """Whether an outcome is worth another attempt: an HTTP status, or None for a transport failure."""
        if status is None:
            return self.retry_transport_errors
        return status >= 500 or status in self.retry_statuses

    def schedule(self) -> list[float]:
        """Seconds after the first attempt at which each attempt starts, for a batch that always fails."""
        rng = random.Random(0)
        times, now, failed = [0.0], 0.0, 1
        while (when := self.next_attempt_at(0.0, failed, now, rng)) is not None:
            times.append(when)
            now, failed = when, failed + 1
        return times

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["disable_clock"] = str(self.disable_clock)
        return data


POLICIES: dict[str, RetryPolicy] = {
    # Five attempts, 20 s apart and doubling: the last starts five minutes after the first.
    "faq": RetryPolicy("faq"),
    "retention": RetryPolicy(
        "retention",
        max_attempts=None,
        first_retry_after=30.0,
        max_retry_after=600.0,
        give_up_after=3 * 3600.0,  # the retention window: its length is unverified
        disable_after=24 * 3600.0,
        disable_clock=DisableClock.LAST_SUCCESS,
    ),
}


def get_policy(policy: str | RetryPolicy = "faq", **overrides: Any) -> RetryPolicy:
    """A named profile (or a policy) with any settings changed, each checked."""
    if isinstance(policy, str):
        try:
            base = POLICIES[policy]
        except KeyError:
            raise PolicyError(f"unknown policy {policy!r}; known: {', '.join(POLICIES)} (or give settings)") from None
    else:
        base = policy
    known = {f.name for f in fields(RetryPolicy)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise PolicyError(f"unknown policy setting {unknown[0]!r}; known: {', '.join(sorted(known))}")
    if not overrides:
        return base
    return replace(base, **{"name": "custom", **overrides})
