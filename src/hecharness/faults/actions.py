"""What a fault does to a request: the fault kinds.

Actions come in two sorts. *Modifiers* change how an otherwise normal exchange goes (a delay
before answering, a body dribbled out slowly, acknowledgements that lag or never come) and stack.
*Outcomes* decide the answer (a Splunk error, a load balancer's answer, partial acceptance, a
reset, a close, a hang, an aborted TLS handshake); the first outcome that fires ends the walk through the fault list.

Every action has a one-word text form, `kind[:argument]`, used by the spec syntax, the admin API
and the journal: `error:9`, `status:502`, `partial:5`, `delay:1..3`, `reset:after-body`, `hang:30`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from enum import StrEnum

from hecharness import codes
from hecharness.codes import HECCode
from hecharness.errors import HecHarnessError

__all__ = [
    "FaultAction",
    "Reply",
    "Partial",
    "Delay",
    "SlowBody",
    "Reset",
    "Close",
    "Hang",
    "TLSAbort",
    "AckFault",
    "AckMode",
    "Pass",
    "parse_action",
    "FaultSpecError",
]


class FaultSpecError(HecHarnessError, ValueError):
    """A fault description that cannot be used; the message names the bad part."""


class FaultAction:
    """What a fault does to one request; `str()` gives its text form, as the spec and the journal write it."""

    modifier = False  # a modifier stacks with others; an outcome ends the walk through the rules

    def __str__(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class Reply(FaultAction):
    """Answer with a Splunk code (its status and text) or with any status and body."""

    code: HECCode | None = None
    status: int | None = None
    body: bytes | None = None
    content_type: str | None = None  # default: JSON for a body, none for an empty answer
    invalid_event_number: int | None = None
    retry_after: float | None = None
    headers: tuple[tuple[str, str], ...] = ()
    front_door: bool = False  # answered by a load balancer in front of splunkd, not by splunkd

    @property
    def http_status(self) -> int:
        if self.status is not None:
            return self.status
        assert self.code is not None
        return self.code.status

    @property
    def accepts(self) -> bool:
        """A 2xx answer means Splunk took the events, so they must reach the journal."""
        return 200 <= self.http_status < 300

    def __str__(self) -> str:
        if self.front_door:
            return f"front-door:{self.status}"
        return f"error:{self.code.code}" if self.code is not None and self.status is None else f"status:{self.status}"


def _nginx_page(status: str) -> bytes:
    # The shape of the 502 page a Splunk Cloud user saw (splunk-connect-for-kubernetes #474):
    # nginx's error page with the server name left out.
    return (
        f"<html>\r\n<head><title>{status}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status}</h1></center>\r\n<hr><center></center>\r\n</body>\r\n</html>"
    ).encode()


# What Splunk Cloud's front door (the load balancers before its indexers) answers under trouble,
# as public reports show it: the body, and its type (None for an empty body).
FRONT_DOOR_ANSWERS: dict[int, tuple[bytes, str | None]] = {
    408: (b"", None),  # fluent-bit #9371: "408 - Your request timed out"; the body was not shown
    502: (_nginx_page("502 Bad Gateway"), "text/html"),  # splunk-connect-for-kubernetes #474
    503: (b"", None),  # splunk-connect-for-kubernetes #708: "Server error (503) ... response: "
    504: (_nginx_page("504 Gateway Time-out"), "text/html"),  # #474 saw 504s too; nginx's wording
}


@dataclass(frozen=True)
class Partial(FaultAction):
    """Accept the first `accepted` events, refuse the rest with `code` and invalid-event-number."""

    accepted: int
    code: HECCode = codes.SERVER_BUSY
    retry_after: float | None = None

    def __str__(self) -> str:
        return f"partial:{self.accepted}"


@dataclass(frozen=True)
class Delay(FaultAction):
    """Wait before answering: fixed, uniform between two bounds, or normal (never below zero)."""

    low: float
    high: float | None = None
    spread: float | None = None  # standard deviation, for a normal distribution around `low`
    modifier = True

    def seconds(self, rng: random.Random) -> float:
        if self.spread is not None:
            return max(0.0, rng.gauss(self.low, self.spread))
        if self.high is not None:
            return rng.uniform(self.low, self.high)
        return self.low

    def __str__(self) -> str:
        if self.spread is not None:
            return f"delay:normal:{self.low:g},{self.spread:g}"
        if self.high is not None:
            return f"delay:{self.low:g}..{self.high:g}"
        return f"delay:{self.low:g}"


@dataclass(frozen=True)
class SlowBody(FaultAction):
    """Send the answer's body a piece at a time over `seconds`."""

    seconds: float
    modifier = True

    def __str__(self) -> str:
        return f"slow-body:{self.seconds:g}"


@dataclass(frozen=True)
class Reset(FaultAction):
    """Reset the connection (TCP RST), before reading the body or after."""

    after_body: bool = False

    def __str__(self) -> str:
        return "reset:after-body" if self.after_body else "reset"


@dataclass(frozen=True)
class Close(FaultAction):
    """Close the connection cleanly without answering."""

    def __str__(self) -> str:
        return "close"


@dataclass(frozen=True)
class Hang(FaultAction):
    """Never answer: hold the connection until the client gives up, at most `seconds`, then close."""

    seconds: float = 60.0

    def __str__(self) -> str:
        return f"hang:{self.seconds:g}"


@dataclass(frozen=True)
class TLSAbort(FaultAction):
    """Fail the TLS handshake of new connections (decided per connection, not per request)."""

    def __str__(self) -> str:
        return "tls-abort"


class AckMode(StrEnum):
    """How an acknowledgement fault treats the ackIds it touches."""

    NEVER = "never"  # issued, but never turns true
    LOST = "lost"  # issued, then forgotten by the server
    DELAY = "delay"  # turns true `seconds` after it was issued


@dataclass(frozen=True)
class AckFault(FaultAction):
    """Acknowledgements that never turn true, turn true late, or are forgotten by the server."""

    mode: AckMode
    seconds: float = 0.0
    modifier = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", AckMode(self.mode))  # a plain "never" works too

    def __str__(self) -> str:
        return f"ack:{self.seconds:g}" if self.mode == AckMode.DELAY else f"ack:{self.mode}"


@dataclass(frozen=True)
class Pass(FaultAction):
    """No fault for this request (a step in a sequence: `error:9,error:9,ok`)."""

    modifier = True

    def __str__(self) -> str:
        return "ok"


def parse_action(text: str) -> FaultAction:
    """`kind[:argument]` into an action, with an error naming what is wrong."""
    kind, _, argument = text.strip().partition(":")
    kind = kind.strip().lower().replace("_", "-")
    parser = _PARSERS.get(kind)
    if parser is None:
        raise FaultSpecError(f"unknown fault {kind!r}; known: {', '.join(sorted(_PARSERS))}")
    return parser(argument.strip())


def _no_argument(action: FaultAction, kind: str):
    def parse(argument: str) -> FaultAction:
        if argument:
            raise FaultSpecError(f"{kind} takes no argument, got {argument!r}")
        return action

    return parse


def _error(argument: str) -> FaultAction:
    number = _whole(argument, "error", "a HEC code such as error:9")
    try:
        code = codes.by_number(number)
    except ValueError as error:
        raise FaultSpecError(str(error)) from None
    # Splunk's busy answers carry invalid-event-number 0 (seen in captured replies).
    return Reply(code=code, invalid_event_number=0 if code is codes.SERVER_BUSY else None)


def _status(argument: str) -> FaultAction:
    status = _whole(argument, "status", "an HTTP status such as status:502")
    if not 100 <= status <= 599:
        raise FaultSpecError(f"status must be an HTTP status from 100 to 599, got {status}")
    return Reply(status=status, body=b"")


def _front_door(argument: str) -> FaultAction:
    status = _whole(argument, "front-door", f"a status, one of {', '.join(map(str, FRONT_DOOR_ANSWERS))}")
    if status not in FRONT_DOOR_ANSWERS:
        raise FaultSpecError(f"front-door answers {', '.join(map(str, FRONT_DOOR_ANSWERS))}, got {status}")
    body, content_type = FRONT_DOOR_ANSWERS[status]
    return Reply(status=status, body=body, content_type=content_type, front_door=True)


def _partial(argument: str) -> FaultAction:
    return Partial(_whole(argument, "partial", "how many events to accept, such as partial:5"))


def _delay(argument: str) -> FaultAction:
    if argument.startswith("normal:"):
        mean, _, spread = argument.removeprefix("normal:").partition(",")
        return Delay(_seconds(mean, "delay mean"), spread=_seconds(spread, "delay spread"))
    if ".." in argument:
        low, _, high = argument.partition("..")
        low_s, high_s = _seconds(low, "delay"), _seconds(high, "delay")
        if high_s < low_s:
            raise FaultSpecError(f"delay range {argument!r} runs backwards")
        return Delay(low_s, high=high_s)
    return Delay(_seconds(argument, "delay"))


def _reset(argument: str) -> FaultAction:
    if argument in ("", "before-body"):
        return Reset()
    if argument == "after-body":
        return Reset(after_body=True)
    raise FaultSpecError(f"reset takes before-body or after-body, got {argument!r}")


def _hang(argument: str) -> FaultAction:
    return Hang(_seconds(argument, "hang") if argument else 60.0)


def _ack(argument: str) -> FaultAction:
    if argument in (AckMode.NEVER, AckMode.LOST):
        return AckFault(AckMode(argument))
    try:
        return AckFault(AckMode.DELAY, _seconds(argument, "ack delay"))
    except FaultSpecError:
        raise FaultSpecError(f"ack takes never, lost or a delay in seconds, got {argument!r}") from None


_PARSERS = {
    "error": _error,
    "status": _status,
    "front-door": _front_door,
    "partial": _partial,
    "delay": _delay,
    "slow-body": lambda argument: SlowBody(_seconds(argument, "slow-body")),
    "reset": _reset,
    "close": _no_argument(Close(), "close"),
    "hang": _hang,
    "tls-abort": _no_argument(TLSAbort(), "tls-abort"),
    "ack": _ack,
    "ok": _no_argument(Pass(), "ok"),
}


def _whole(text: str, what: str, example: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise FaultSpecError(f"{what} needs {example}, got {text!r}") from None
    if value < 0:
        raise FaultSpecError(f"{what} must not be negative, got {value}")
    return value


def _seconds(text: str, what: str) -> float:
    """Seconds as `2`, `2.5`, `2s`, `500ms` or `5m`."""
    raw = text.strip().lower()
    scale = 1.0
    for suffix, factor in (("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)):
        if raw.endswith(suffix):
            raw, scale = raw[: -len(suffix)], factor
            break
    try:
        value = float(raw) * scale
    except ValueError:
        raise FaultSpecError(f"{what} needs seconds (e.g. 2, 2.5s, 500ms, 5m), got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise FaultSpecError(f"{what} must be a finite number of seconds >= 0, got {text!r}")
    return value


parse_seconds = _seconds
