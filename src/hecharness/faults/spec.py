"""Fault specs: one vocabulary for the command line, the admin API and plan files.

A spec is an action (or a sequence) plus `key=value` settings for where and when:

    error:9                                  every request answers 503, code 9 (Server is busy)
    error:9 first=3 path=raw                 the first three /raw requests
    partial:5 token=logpush                  accept 5 events, then 503/9 with invalid-event-number 5
    delay:1..3 seed=7                        uniform 1-3 s latency on every request
    reset every=4                            reset every 4th connection
    hang:30 probability=0.1 seed=1           one request in ten hangs (at most 30 s)
    sequence=error:9,error:9,hang:10,ok      the next requests, one step each, then normal
    error:9 window=60..360                   an outage from 1 to 6 minutes after the fault was added
    status:502 body="<html>Bad gateway</html>" content_type=text/html
    error:9 retry_after=30 header=X-Fault:busy
    error:9 node=2                           only requests the cluster's indexer 2 serves
    close idle=12                            a request on a kept-alive connection idle >= 12 s finds
                                             it closed: the stale pooled connection race

The admin API (`POST /faults`) and plan files take the same objects: `{"spec": "error:9 first=3"}`,
the spec's keys spelt out (`{"action": "error:9", "first": 3}`), or a mix (`{"spec": "error:9",
"name": "busy"}`). A plan is a TOML file of `[[faults]]` tables or a JSON list of such objects
(or of spec strings).
"""

from __future__ import annotations

import json
import shlex
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from hecharness import codes
from hecharness.faults.actions import FaultAction, FaultSpecError, Partial, Reply, parse_action, parse_seconds
from hecharness.faults.rules import ANY_PATH, ENDPOINTS, Fault, WindowOrigin
from hecharness.files import read_text

__all__ = ["parse_fault", "load_plan", "FaultSpecError"]

_KEYS = {
    "action": "what to do, e.g. error:9",
    "sequence": "steps applied one per request, e.g. error:9,error:9,ok",
    "name": "a name for the journal",
    "path": f"{', '.join(ENDPOINTS)}, {ANY_PATH} or a full path (default: all but health)",
    "token": "a token name or value",
    "channel": "a channel GUID",
    "sourcetype": "the sourcetype in the query",
    "header": "a request header, Name or Name:Value",
    "idle": "seconds a kept-alive connection idled before the request (0: any reused one)",
    "node": "only the indexer with this number (1-based) in a cluster",
    "first": "only the first N matching requests",
    "every": "every Nth matching request",
    "probability": "chance from 0 to 1",
    "seed": "seed for probability and random delays",
    "window": "seconds A..B on the harness clock",
    "from": "start (when added) or first-request",
    "retry_after": "seconds in a Retry-After header",
    "body": "the reply body, for status:",
    "content_type": "the reply Content-Type, for status:",
    "reply_header": "an extra reply header, Name:Value",
    "code": "the HEC code a partial answer carries (default 9)",
}


def parse_fault(spec: str | Mapping[str, Any]) -> Fault:
    """A spec string or object into a `Fault`; `FaultSpecError` names what is wrong."""
    if isinstance(spec, str):
        settings, text = _split_spec(spec), spec.strip()
    elif isinstance(spec, Mapping):
        settings = _spelt_out(spec)
        text = " ".join(f"{k}={_as_text(v)}" if k != "action" else str(v) for k, v in settings.items())
    else:
        raise FaultSpecError(f"a fault is a spec string or an object, got {type(spec).__name__}")
    unknown = sorted(set(settings) - set(_KEYS))
    if unknown:
        raise FaultSpecError(f"unknown fault setting {unknown[0]!r}; known: {', '.join(_KEYS)}")

    action, sequence = _actions(settings)
    extras = _reply_extras(settings)
    if extras:
        if action is None or not isinstance(action, (Reply, Partial)):
            raise FaultSpecError(f"reply settings ({', '.join(sorted(extras))}) need error:, status: or partial:")
        action = replace(action, **_fit(action, extras))
    if "code" in settings and action is not None:
        if not isinstance(action, Partial):
            raise FaultSpecError("code= goes with partial:; use error:N for a whole-request error")
        action = replace(action, code=_code(settings["code"]))
    try:
        return Fault(
            action=action,
            sequence=sequence,
            name=_text(settings, "name") or "",
            path=_path(settings.get("path")),
            token=_text(settings, "token"),
            channel=_text(settings, "channel"),
            sourcetype=_text(settings, "sourcetype"),
            header=_header(settings.get("header"), "header"),
            idle=_idle(settings.get("idle")),
            node=_count(settings, "node", least=1),
            first=_count(settings, "first"),
            every=_count(settings, "every", least=1),
            probability=_probability(settings.get("probability")),
            seed=_count(settings, "seed"),
            window=_window(settings.get("window")),
            window_from=_window_from(settings.get("from", WindowOrigin.START)),
            spec=text,
        )
    except ValueError as error:
        raise FaultSpecError(str(error)) from None


def load_plan(path: str | Path) -> list[Fault]:
    """Faults from a TOML (`[[faults]]` tables) or JSON (a list, or {"faults": [...]}) file."""
    path = Path(path)
    try:
        text = read_text(path, "fault plan")
    except ValueError as error:
        raise FaultSpecError(str(error)) from None
    try:
        data: Any = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise FaultSpecError(f"fault plan {path} does not parse: {error}") from None
    entries = data.get("faults") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise FaultSpecError(f"fault plan {path} needs a list of faults ([[faults]] tables in TOML)")
    faults = []
    for number, entry in enumerate(entries, 1):
        try:
            faults.append(parse_fault(entry))
        except FaultSpecError as error:
            raise FaultSpecError(f"fault plan {path}: fault {number}: {error}") from None
    return faults


def _spelt_out(spec: Mapping[str, Any]) -> dict[str, Any]:
    """An object's settings, its `spec` string (if any) split into the keys it stands for."""
    settings = {str(k).replace("-", "_"): v for k, v in spec.items()}
    if "spec" not in settings:
        return settings
    text = settings.pop("spec")
    if not isinstance(text, str):
        raise FaultSpecError(f"spec must be a spec string such as 'error:9 first=3', got {text!r}")
    from_text = _split_spec(text)
    both = sorted(set(from_text) & set(settings))
    if both:
        raise FaultSpecError(f"{both[0]} given twice, in spec {text!r} and as its own key")
    return {**from_text, **settings}


def _split_spec(spec: str) -> dict[str, Any]:
    try:
        words = shlex.split(spec)
    except ValueError as error:
        raise FaultSpecError(f"fault spec {spec!r}: {error}") from None
    if not words:
        raise FaultSpecError("a fault spec cannot be empty; e.g. 'error:9 first=3'")
    settings: dict[str, Any] = {}
    for word in words:
        key, equals, value = word.partition("=")
        if not equals:
            key, value = "action", word
        key = key.strip().replace("-", "_")
        if key == "reply_header":
            settings.setdefault(key, []).append(value)
            continue
        if key in settings:
            raise FaultSpecError(f"{key} given twice in {spec!r}")
        settings[key] = value
    return settings


def _actions(settings: Mapping[str, Any]) -> tuple[FaultAction | None, tuple[FaultAction, ...]]:
    has_action, has_sequence = "action" in settings, "sequence" in settings
    if has_action == has_sequence:
        raise FaultSpecError("a fault needs an action (e.g. error:9) or a sequence=..., and not both")
    if has_action:
        return parse_action(_as_text(settings["action"])), ()
    steps = settings["sequence"]
    if isinstance(steps, str):
        steps = [step for step in steps.split(",") if step.strip()]
    if not isinstance(steps, list) or not steps:
        raise FaultSpecError("sequence needs at least one step, e.g. sequence=error:9,ok")
    return None, tuple(parse_action(_as_text(step)) for step in steps)


def _reply_extras(settings: Mapping[str, Any]) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    if "retry_after" in settings:
        extras["retry_after"] = parse_seconds(_as_text(settings["retry_after"]), "retry_after")
    if "body" in settings:
        extras["body"] = _as_text(settings["body"]).encode()
    if "content_type" in settings:
        extras["content_type"] = _as_text(settings["content_type"])
    if "reply_header" in settings:
        values = settings["reply_header"]
        values = values if isinstance(values, (list, tuple)) else [values]  # one, or several from a plan
        extras["headers"] = tuple(_header(v, "reply_header", value_required=True) for v in values)
    return extras


def _fit(action: FaultAction, extras: dict[str, Any]) -> dict[str, Any]:
    if isinstance(action, Partial):
        allowed = {"retry_after"}
    elif isinstance(action, Reply) and action.status is None:
        allowed = {"retry_after", "headers"}
    else:
        allowed = set(extras)
    wrong = sorted(set(extras) - allowed)
    if wrong:
        raise FaultSpecError(f"{wrong[0]} only goes with status:, not {action}")
    return extras


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=str)  # TOML dates and times are not JSON
    return str(value)


def _text(settings: Mapping[str, Any], key: str) -> str | None:
    value = settings.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise FaultSpecError(f"{key} must be non-empty text, got {value!r}")
    return value


def _count(settings: Mapping[str, Any], key: str, least: int = 0) -> int | None:
    value = settings.get(key)
    if value is None:
        return None
    try:
        number = int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError, OverflowError):  # OverflowError: inf, which TOML and JSON can carry
        number = None
    if number is None or number < least or (isinstance(value, float) and value != number):
        raise FaultSpecError(f"{key} must be a whole number >= {least}, got {value!r}")
    return number


def _probability(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if isinstance(value, bool) or not 0.0 <= number <= 1.0:
        raise FaultSpecError(f"probability must be a number from 0 to 1, got {value!r}")
    return number


def _window(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)) and len(value) == 2:
        start, end = (parse_seconds(str(v), "window") for v in value)
    else:
        text = _as_text(value)
        if ".." not in text:
            raise FaultSpecError(f"window needs START..END in seconds, e.g. 60..360, got {text!r}")
        low, _, high = text.partition("..")
        start, end = parse_seconds(low, "window start"), parse_seconds(high, "window end")
    if end <= start:
        raise FaultSpecError(f"window must end after it starts, got {start:g}..{end:g}")
    return start, end


def _idle(value: Any) -> float | None:
    if value is None:
        return None
    return parse_seconds(_as_text(value), "idle")


def _window_from(value: Any) -> WindowOrigin:
    if not isinstance(value, str) or value not in tuple(WindowOrigin):
        raise FaultSpecError(f"from must be start or first-request, got {value!r}")
    return WindowOrigin(value)


def _path(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not (value in ENDPOINTS or value == ANY_PATH or value.startswith("/")):
        raise FaultSpecError(f"path must be one of {', '.join(ENDPOINTS)}, {ANY_PATH} or start with /, got {value!r}")
    return value


def _header(value: Any, key: str, value_required: bool = False) -> tuple[str, str | None] | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FaultSpecError(f"{key} must be Name or Name:Value, got {value!r}")
    name, colon, wanted = value.partition(":")
    name = name.strip()
    if not name or any(ch.isspace() for ch in name) or (value_required and not colon):
        example = "Name:Value" if value_required else "Name or Name:Value"
        raise FaultSpecError(f"{key} must be {example}, got {value!r}")
    return name, wanted.strip() if colon else None


def _code(value: Any) -> codes.HECCode:
    try:
        return codes.by_number(int(value))
    except (TypeError, ValueError, OverflowError) as error:
        raise FaultSpecError(f"code: {error}" if "unknown HEC code" in str(error) else f"code must be a HEC code number, got {value!r}") from None
