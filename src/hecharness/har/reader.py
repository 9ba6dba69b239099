"""Reading a HAR capture back as the requests to resend and the answers they got."""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import orjson

from hecharness.errors import HecHarnessError
from hecharness.har.answers import Answer

__all__ = ["CaptureError", "Recorded", "load_capture", "read_capture"]


class CaptureError(HecHarnessError, ValueError):
    """A capture that is not a HAR file, or an entry in it that cannot be resent."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """One captured exchange: the request as it went on the wire, and the answer it got."""

    number: int  # 1-based, as a person counts entries
    started: float  # epoch seconds
    method: str
    target: str  # path and query, e.g. /services/collector/raw?channel=...
    headers: tuple[tuple[str, str], ...]
    body: bytes
    answer: Answer


def load_capture(path: str | os.PathLike[str]) -> list[Recorded]:
    """The entries of the HAR file at `path`, oldest first."""
    try:
        with open(path, "rb") as handle:
            data = orjson.loads(handle.read())
    except OSError as error:
        raise CaptureError(f"{path}: {error.strerror}") from None
    except orjson.JSONDecodeError as error:
        raise CaptureError(f"{path}: not JSON ({error})") from None
    try:
        return read_capture(data)
    except CaptureError as error:
        raise CaptureError(f"{path}: {error}") from None


def read_capture(data: Any) -> list[Recorded]:
    """The entries of a HAR document already parsed, oldest first."""
    entries = data.get("log", {}).get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise CaptureError("not a HAR capture: no log.entries list")
    recorded = [_recorded(number, item) for number, item in enumerate(entries, 1)]
    return sorted(recorded, key=lambda r: (r.started, r.number))


def _recorded(number: int, item: Any) -> Recorded:
    try:
        request, response = item["request"], item["response"]
        split = urlsplit(request["url"])
        target = (split.path or "/") + (f"?{split.query}" if split.query else "")
        headers = tuple((h["name"], h["value"]) for h in request.get("headers", []))
        started = datetime.fromisoformat(item["startedDateTime"].replace("Z", "+00:00")).timestamp()
        answer = _answer(response)
        return Recorded(number, started, request["method"], target, headers, _request_body(request), answer)
    except (KeyError, TypeError, AttributeError, ValueError, binascii.Error) as error:
        raise CaptureError(f"entry {number} cannot be read: {type(error).__name__} {error}") from None


def _request_body(request: dict[str, Any]) -> bytes:
    post = request.get("postData")
    if not post:
        return b""
    if "_sentBase64" in post:
        return base64.b64decode(post["_sentBase64"], validate=True)
    text = post.get("text", "")
    return base64.b64decode(text, validate=True) if post.get("_encoding") == "base64" else text.encode("utf-8")


def _answer(response: dict[str, Any]) -> Answer:
    # From the body rather than `_hec`: the body is what the HEC said, and what a person edits.
    status = response["status"]
    content = response.get("content", {})
    text = content.get("text", "")
    body = base64.b64decode(text) if content.get("encoding") == "base64" else text.encode("utf-8")
    return Answer.parse(status, body)
