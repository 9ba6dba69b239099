"""Writing HAR 1.2: one `entry` per exchange, gathered by `archive` into a document.

A body that is not UTF-8 text is written in base64, as HAR allows for responses
(`content.encoding`); HAR 1.2 has no such field for requests, so `postData` carries it as
`_encoding`. A compressed request keeps the bytes as sent in `_sentBase64`, beside the decoded
`text` a person reads.
"""

from __future__ import annotations

import base64
import http
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from hecharness import __version__

__all__ = ["entry", "archive", "iso_time"]

Headers = Sequence[tuple[str, str]]


def archive(entries: Iterable[dict[str, Any]], comment: str | None = None) -> dict[str, Any]:
    """A HAR 1.2 document holding `entries`, oldest first."""
    log: dict[str, Any] = {
        "version": "1.2",
        "creator": {"name": "hecharness", "version": __version__},
        "entries": list(entries),
    }
    if comment:
        log["comment"] = comment
    return {"log": log}


def entry(
    *,
    started: float,
    seconds: float,
    method: str,
    url: str,
    headers: Headers,
    body: bytes,
    status: int,
    response_headers: Headers = (),
    response_body: bytes = b"",
    sent: bytes | None = None,
    hec: dict[str, Any] | None = None,
    comment: str | None = None,
) -> dict[str, Any]:
    """One exchange. `body` is the request body decoded, `sent` the bytes on the wire when they differ
    (gzip); `status` 0 records a request that got no answer."""
    milliseconds = round(seconds * 1000, 3)
    request: dict[str, Any] = {
        "method": method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _pairs(headers),
        "queryString": _pairs(parse_qsl(urlsplit(url).query, keep_blank_values=True)),
        "headersSize": -1,
        "bodySize": len(sent if sent is not None else body),
    }
    if body or sent:
        request["postData"] = _post_data(body, sent, _header(headers, "content-type"))
    item: dict[str, Any] = {
        "startedDateTime": iso_time(started),
        "time": milliseconds,
        "request": request,
        "response": _response(status, response_headers, response_body),
        "cache": {},
        "timings": {"send": 0, "wait": milliseconds, "receive": 0},
    }
    if hec:
        item["_hec"] = hec
    if comment:
        item["comment"] = comment
    return item


def iso_time(seconds: float) -> str:
    """An epoch time as HAR's ISO 8601 date, to the microsecond."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _response(status: int, headers: Headers, body: bytes) -> dict[str, Any]:
    content: dict[str, Any] = {"size": len(body), "mimeType": _header(headers, "content-type") or ""}
    if body:
        text, encoded = _text(body)
        content["text"] = text
        if encoded:
            content["encoding"] = "base64"
    return {
        "status": status,
        "statusText": _reason(status),
        "httpVersion": "HTTP/1.1" if status else "",
        "cookies": [],
        "headers": _pairs(headers),
        "content": content,
        "redirectURL": _header(headers, "location") or "",
        "headersSize": -1,
        "bodySize": len(body) if status else -1,
    }


def _post_data(body: bytes, sent: bytes | None, mime_type: str | None) -> dict[str, Any]:
    text, encoded = _text(body)
    data: dict[str, Any] = {"mimeType": mime_type or "", "params": [], "text": text}
    if encoded:
        data["_encoding"] = "base64"
    if sent is not None and sent != body:
        data["_sentBase64"] = base64.b64encode(sent).decode("ascii")
    return data


def _text(body: bytes) -> tuple[str, bool]:
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _pairs(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in pairs]


def _header(headers: Headers, name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None
