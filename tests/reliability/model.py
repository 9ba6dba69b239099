"""Generated HEC requests, good and bad, each with the answer Splunk gives it.

A strategy draws a request one decision at a time (endpoint, credentials, channel, encoding,
framing, body) and, alongside, works out what the answer must be from the rules docs/fake-hec.md
states, in Splunk's order: credentials, then channel, then body, then the events in it. The
expectation is written from those rules for each kind of input drawn, not by running the
collector's code, so a test that compares the two can fail.

The server these expectations hold for is `fuzz_hec()`: the tokens below, a 8 KiB content limit
and a 2,000-character event limit, so that "just under and over the limit" is cheap to reach.
"""

from __future__ import annotations

import base64
import functools
import gzip
import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from hypothesis import strategies as st

from hecharness import codes
from hecharness.hec import FakeHEC, HECSettings, Token

from tests.reliability.wire import build_request

LIMIT = 8192
MAX_EVENT = 2000
CHANNEL = "11111111-2222-4333-8444-555555555555"

TOKENS = {
    "good": Token("good-token", name="good"),
    "acker": Token("ack-token", name="acker", ack=True),
    "query": Token("query-token", name="query", query_auth=True),
    "off": Token("off-token", name="off", enabled=False),
    "limited": Token("limited-token", name="limited", indexes=("main", "web")),
}
# The server's indexes: Splunk's own, the configured ones, and those a token names ("web").
SERVER_INDEXES = ("anything", "other")
EXISTING_INDEXES = {"main", "history", "summary", "web", *SERVER_INDEXES}


def index_allowed(token: Token, index: str) -> bool:
    """A token with a list writes to those indexes; one without, to any index the server has."""
    return index in token.indexes if token.indexes else index in EXISTING_INDEXES


def fuzz_hec(**settings: Any) -> FakeHEC:
    values = {"max_content_length": LIMIT, "max_event_size": MAX_EVENT, "indexes": SERVER_INDEXES, **settings}
    return FakeHEC(list(TOKENS.values()), settings=HECSettings(**values), admin_port=None)


@functools.lru_cache(maxsize=None)
def _sampled(options: tuple) -> st.SearchStrategy:
    return st.sampled_from(options)


def pick(options) -> st.SearchStrategy:
    """`st.sampled_from`, built once per option list: Hypothesis validates every new strategy object,
    and doing that on each draw cost more than sending the request."""
    try:
        return _sampled(tuple(options))
    except TypeError:  # unhashable options (dicts)
        return st.sampled_from(options)


ints = functools.lru_cache(maxsize=None)(st.integers)
booleans = st.booleans()
short_binary = st.binary(max_size=40)
short_text = st.text(max_size=20)
tiny_text = st.text(max_size=10)
scalar_fields = st.dictionaries(
    st.text("abcdefgh_", min_size=1, max_size=6),
    st.one_of(st.integers(-1000, 1000), st.text(max_size=8), st.booleans(), st.lists(st.integers(0, 9), max_size=3)),
    max_size=3,
)
ack_id_lists = st.lists(st.integers(0, 2**40), max_size=6)
chunk_sizes = st.lists(st.integers(1, 3000), min_size=1, max_size=6)


_ids = itertools.count()


def unique(prefix: str) -> str:
    """An id unique within one generated plan, so an event out of place is recognisable.

    Ids restart with every plan (`plans`): Hypothesis replays a plan by drawing it again, and what
    is drawn must not depend on how many plans came before.
    """
    return f"{prefix}{next(_ids):06d}"


@st.composite
def plans(draw: st.DrawFn, element: st.SearchStrategy, min_size: int = 1, max_size: int = 30) -> list:
    global _ids
    _ids = itertools.count()
    return draw(st.lists(element, min_size=min_size, max_size=max_size))


@dataclass
class Expect:
    """The answer a request must get, and what it must leave in the journal."""

    status: int
    code: int | None  # None: no HEC code in the answer (OPTIONS, 413/415 pages)
    invalid_event_number: int | None = None
    ack: bool = False  # an ackId in the answer
    raw_events: list[bytes] = field(default_factory=list)  # lines the journal must add
    json_events: list[Any] = field(default_factory=list)  # event payloads the journal must add
    html: bool = False
    ack_ids: list[int] | None = None  # an ack poll: the ids the answer must name

    @property
    def events(self) -> int:
        return len(self.raw_events) + len(self.json_events)


@dataclass
class Exchange:
    """One request on the wire and its expected answer."""

    data: bytes
    expect: Expect
    method: str
    malformed: bool  # something in it is deliberately wrong, odd or at a limit
    label: str
    close: bool = False  # the request asks the server to close the connection after answering
    body: bytes = b""  # the decoded body, for failure messages


def refused(code: codes.HECCode, invalid_event_number: int | None = None, ack: bool = False, **kw: Any) -> Expect:
    return Expect(code.status, code.code, invalid_event_number, ack=ack, **kw)


# -- credentials ---------------------------------------------------------------------------------


@dataclass
class Credentials:
    headers: list[tuple[bytes, bytes]]
    query: list[tuple[str, str]]
    token: Token | None  # the token the request proves it holds
    refusal: codes.HECCode | None
    malformed: bool
    label: str


def _basic(text: bytes) -> bytes:
    return b"Basic " + base64.b64encode(text)


latin1_word = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0xFF, blacklist_characters="\x7f"), min_size=1, max_size=40
).filter(lambda s: s not in {t.value for t in TOKENS.values()} and not any(c in s for c in "\x85\xa0"))


def credentials(draw: st.DrawFn) -> Credentials:
    name = draw(pick(list(TOKENS)))
    token = TOKENS[name]
    value = token.value.encode()
    known = (token, codes.TOKEN_DISABLED if not token.enabled else None)
    kind = draw(
        pick(
            [
                "splunk", "splunk", "splunk", "scheme-case", "spaces", "basic", "basic-no-user",
                "missing", "scheme-only", "other-scheme", "basic-garbage", "basic-no-colon",
                "basic-no-password", "basic-not-utf8", "unknown", "huge", "repeated",
                "query", "query-empty", "query-unknown",
            ]
        )
    )
    header: bytes | None = None
    query: list[tuple[str, str]] = []
    malformed = kind not in ("splunk", "basic")
    if kind == "splunk":
        header, (tok, refusal) = b"Splunk " + value, known
    elif kind == "scheme-case":
        # Auth schemes are case-insensitive in HTTP; the collector reads them so.
        header, (tok, refusal) = draw(pick([b"splunk ", b"SPLUNK ", b"sPlUnK "])) + value, known
    elif kind == "spaces":
        header, (tok, refusal) = b"Splunk   " + value + b"  \t", known
    elif kind == "basic":
        header, (tok, refusal) = _basic(b"anyone:" + value), known
    elif kind == "basic-no-user":
        header, (tok, refusal) = _basic(b":" + value), known
    elif kind == "missing":
        tok, refusal = None, codes.TOKEN_REQUIRED
    elif kind == "scheme-only":
        header, tok, refusal = draw(pick([b"Splunk", b"Splunk   ", b"Basic", b"Bearer"])), None, codes.INVALID_AUTHORIZATION
    elif kind == "other-scheme":
        header = draw(pick([b"Bearer ", b"Token ", b"Digest ", b"Splunk-Token "])) + value
        tok, refusal = None, codes.INVALID_AUTHORIZATION
    elif kind == "basic-garbage":
        header, tok, refusal = b"Basic " + draw(pick([b"!!!", b"abc", b"a===", b"%%%%"])), None, codes.INVALID_AUTHORIZATION
    elif kind == "basic-no-colon":
        header, tok, refusal = _basic(value), None, codes.INVALID_AUTHORIZATION
    elif kind == "basic-no-password":
        header, tok, refusal = _basic(b"user:"), None, codes.INVALID_AUTHORIZATION
    elif kind == "basic-not-utf8":
        header, tok, refusal = _basic(b"\xff\xfe:\xfd"), None, codes.INVALID_AUTHORIZATION
    elif kind == "unknown":
        word = draw(latin1_word)
        header, tok, refusal = b"Splunk " + word.encode("latin-1"), None, codes.INVALID_TOKEN
    elif kind == "huge":
        size = draw(ints(1_000, 20_000))
        header, tok, refusal = b"Splunk " + b"x" * size, None, codes.INVALID_TOKEN
    elif kind == "repeated":
        # Only the first Authorization header counts.
        second = draw(pick([b"Splunk nope", b"Bearer x", b"Splunk " + TOKENS["good"].value.encode()]))
        headers = [(b"Authorization", b"Splunk " + value), (b"Authorization", second)]
        tok, refusal = known
        return Credentials(headers, [], tok if refusal is None else None, refusal, True, f"auth:{kind}")
    elif kind == "query":
        # ?token= wins over any header; unknown and disabled come before the query_auth check.
        query = [("token", token.value)]
        if draw(booleans):
            header = b"Splunk " + TOKENS["good"].value.encode()
        if not token.enabled:
            tok, refusal = None, codes.TOKEN_DISABLED
        elif not token.query_auth:
            tok, refusal = None, codes.QUERY_AUTH_DISABLED
        else:
            tok, refusal = token, None
        malformed = refusal is not None or header is not None
    elif kind == "query-empty":
        query, tok, refusal = [("token", "")], None, codes.INVALID_TOKEN
    else:  # query-unknown
        query, tok, refusal = [("token", "no-such-token")], None, codes.INVALID_TOKEN
    headers = [(b"Authorization", header)] if header is not None else []
    return Credentials(headers, query, tok if refusal is None else None, refusal, malformed, f"auth:{kind}")


# -- channels ------------------------------------------------------------------------------------

NOT_GUIDS = [
    "abc", "1234", "not-a-guid", CHANNEL[:-1], CHANNEL + "0", CHANNEL.replace("1", "g", 1), "a" * 300,
    CHANNEL.replace("-", " "), "{" + CHANNEL + ")",
]


@dataclass
class Channel:
    headers: list[tuple[bytes, bytes]]
    query: list[tuple[str, str]]
    value: str | None  # the channel the request carries, None if none
    valid: bool
    malformed: bool


def channels(draw: st.DrawFn) -> Channel:
    kind = draw(pick(["none", "header", "query", "both", "odd-valid", "invalid", "invalid-query", "empty-header"]))
    guid = draw(pick([CHANNEL, CHANNEL.upper(), str(uuid.UUID(int=draw(ints(0, 2**128 - 1))))]))
    if kind == "none":
        return Channel([], [], None, True, False)
    if kind == "header":
        return Channel([(b"X-Splunk-Request-Channel", guid.encode())], [], guid, True, False)
    if kind == "query":
        return Channel([], [("channel", guid)], guid, True, False)
    if kind == "both":
        # The header wins over the query string.
        bad = draw(pick(NOT_GUIDS))
        return Channel([(b"X-Splunk-Request-Channel", guid.encode())], [("channel", bad)], guid, True, True)
    if kind == "odd-valid":
        # GUIDs in braces, as a URN or without dashes still name a channel (Python's uuid rules).
        odd = draw(pick(["{" + guid + "}", "urn:uuid:" + guid, guid.replace("-", "")]))
        return Channel([(b"X-Splunk-Request-Channel", odd.encode())], [], odd, True, True)
    if kind == "empty-header":
        # An empty header names no channel; the query string's, if any, is used.
        return Channel([(b"X-Splunk-Request-Channel", b"")], [("channel", guid)], guid, True, True)
    bad = draw(pick(NOT_GUIDS))
    if kind == "invalid":
        return Channel([(b"X-Splunk-Request-Channel", bad.encode())], [], bad, False, True)
    return Channel([], [("channel", bad)], bad, False, True)


# -- bodies ---------------------------------------------------------------------------------------


@dataclass
class Payload:
    """A decoded body, what it holds, and how it travels (encoding, framing)."""

    data: bytes  # decoded
    wire: bytes  # as sent
    encoding: bytes | None  # the Content-Encoding header, if any
    refusal: Expect | None  # 415 for an encoding HEC does not take; the rest is judged by body_verdict
    malformed: bool
    label: str


SEPARATORS = [b"\n", b"\n", b"\r\n", b"\r", b"\n\n", b"\n \t\n", b"\r\n\r\n"]


def raw_lines(draw: st.DrawFn) -> tuple[bytes, list[bytes], bool]:
    """A /raw body: lines with unique ids, odd bytes and blank lines; the lines HEC makes events of."""
    count = draw(ints(1, 12))
    parts: list[bytes] = []
    odd = False
    for _ in range(count):
        kind = draw(pick(["id", "id", "id", "binary", "blank", "spaces", "utf8"]))
        if kind == "id":
            parts.append(orjson.dumps({"RayID": unique("r"), "n": draw(ints(0, 10**6))}))
        elif kind == "binary":
            # Anything but line breaks: /raw takes any bytes, invalid UTF-8 and NULs included.
            parts.append(unique("b").encode() + draw(short_binary).replace(b"\n", b"").replace(b"\r", b""))
            odd = True
        elif kind == "utf8":
            parts.append(draw(short_text).encode("utf-8", "surrogatepass").replace(b"\n", b"").replace(b"\r", b"") + unique("u").encode())
            odd = True
        elif kind == "blank":
            parts.append(b"")
            odd = True
        else:
            parts.append(draw(pick([b" ", b"\t", b" \t ", b"\x0b", b"\x0c"])))
            odd = True
    body = b""
    for part in parts:
        body += part + draw(pick(SEPARATORS))
    if draw(booleans):
        body = body.rstrip(b"\r\n")
    # One event per line that is not blank (lines of ASCII white space only are blank).
    lines = [line for line in body.splitlines() if line and not line.isspace()]
    return body, lines, odd


# Event objects: (json text, payload or marker). The marker says what Splunk makes of the object.
VALID, FIELDS_ONLY, STOP = "valid", "fields-only", "stop"


@dataclass
class Item:
    text: bytes
    verdict: str  # VALID, FIELDS_ONLY, STOP, or "invalid"
    payload: Any = None
    code: codes.HECCode | None = None
    offset: int = 0  # invalid-event-number is this object's number plus offset (1 for a bad index)


@dataclass
class Unit:
    """One top-level JSON value of an /event body: an object, an array of objects, or broken text."""

    text: bytes
    items: list[Item]
    broken: bool = False  # not JSON (or not UTF-8): parsing stops here with code 6


def _scalar_fields(draw: st.DrawFn) -> dict[str, Any]:
    return draw(scalar_fields)


def valid_item(draw: st.DrawFn, token: Token) -> Item:
    payload = draw(
        pick(["text", "object", "number", "list", "true", "zero"])
    )
    ident = unique("e")
    value: Any = {
        "text": f"event {ident}",
        "object": {"RayID": ident, "n": draw(ints(-(2**53), 2**53))},
        "number": draw(ints(1, 2**53)),
        "list": [ident, 1, None],
        "true": True,
        "zero": 0,
    }[payload]
    obj: dict[str, Any] = {"event": value}
    if draw(booleans):
        obj["time"] = draw(pick([1_700_000_000, 1_700_000_000.25, "1700000000", 1_700_000_000_000, 0]))
    for key in ("host", "source", "sourcetype"):
        if draw(ints(0, 3)) == 0:
            obj[key] = draw(tiny_text)
    if draw(ints(0, 3)) == 0:
        obj["index"] = draw(pick(["main", "web"] if token.indexes else ["main", "web", "anything"]))
    if draw(ints(0, 3)) == 0:
        obj["fields"] = _scalar_fields(draw)
    return Item(orjson.dumps(obj), VALID, payload=value)


def invalid_item(draw: st.DrawFn, token: Token) -> Item:
    kinds = [
        ("null", {"event": None}, codes.INVALID_DATA_FORMAT),
        ("false", {"event": False}, codes.INVALID_DATA_FORMAT),
        ("blank", {"event": draw(pick(["", "  ", "\t\n"]))}, codes.EVENT_FIELD_BLANK),
        ("no-event", draw(pick([{}, {"time": 1}, {"host": "h"}])), codes.EVENT_FIELD_REQUIRED),
        ("nested-fields", {"event": "x", "fields": {"a": {"b": 1}}}, codes.INDEXED_FIELDS_ERROR),
        ("fields-only-nested", {"fields": {"a": {}}}, codes.INDEXED_FIELDS_ERROR),
        ("fields-not-object", {"event": "x", "fields": draw(pick([[1], "f", 3]))}, codes.INVALID_DATA_FORMAT),
        ("bad-time", {"event": "x", "time": draw(pick(["abc", -1, True, "", "nan", "-5", "17,5", "1e9"]))}, codes.INDEXED_FIELDS_ERROR),
        ("bad-host", {"event": "x", draw(pick(["host", "source", "sourcetype", "index"])): draw(pick([5, [], {}, True]))}, codes.INVALID_DATA_FORMAT),
        ("not-object", draw(pick([5, "text", [1], 1.5])), codes.INVALID_DATA_FORMAT),
    ]
    name, obj, code = draw(pick([*kinds, ("big-time", None, codes.INDEXED_FIELDS_ERROR)]))
    if name == "big-time":
        return Item(_big_time(), "invalid", code=code)
    if name == "not-object" and obj == [1]:
        # A nested array is one item of the outer array, and not an object.
        return Item(b"[1]", "invalid", code=code)
    if draw(ints(0, 4)) == 0:
        # Splunk reports a forbidden or missing index one past the object that names it.
        index = "forbidden" if token.indexes else draw(pick(["nowhere", "_internal"]))
        return Item(orjson.dumps({"event": "x", "index": index}), "invalid", code=codes.INCORRECT_INDEX, offset=1)
    return Item(orjson.dumps(obj), "invalid", code=code)


def _big_time() -> bytes:
    # An integer no float can hold: refused as a time Splunk cannot read (code 15), like any other.
    return b'{"event":"x","time":1' + b"0" * 400 + b"}"


def terminal_unit(draw: st.DrawFn) -> Unit:
    """A value that stops parsing with code 6 at its number, whatever follows it."""
    kind = draw(pick(["truncated", "garbage", "bad-utf8", "too-big", "deep", "surrogate"]))
    if kind == "truncated":
        text = draw(pick([b'{"event":', b'{"event":"x"', b'{"event" "x"}', b"{", b'{"event":"x",}']))
        return Unit(text, [], broken=True)
    if kind == "garbage":
        return Unit(draw(pick([b"nope", b"{'event':'x'}", b"NaN", b"Infinity", b"{\"event\":NaN}", b"]"])), [], broken=True)
    if kind == "bad-utf8":
        return Unit(b'{"event":"a\xff\xfeb"}', [], broken=True)
    if kind == "too-big":
        # One object longer than max_event_size is refused, though the body is under the content limit.
        return Unit(orjson.dumps({"event": "x" * (MAX_EVENT + draw(ints(1, 200)))}), [], broken=True)
    if kind == "deep":
        depth = 1500  # deeper than both JSON parsers go
        return Unit(b'{"event":' + b"[" * depth + b"]" * depth + b"}", [], broken=True)
    # A lone UTF-16 surrogate escape decodes to no Unicode text; refused as invalid JSON text.
    return Unit(draw(pick([b'{"event":"\\ud800"}', b'{"event":"a\\udc00b"}', b'{"\\ud83d":"x","event":1}'])), [], broken=True)


def event_body(draw: st.DrawFn, token: Token) -> tuple[bytes, list[Unit], bool]:
    units: list[Unit] = []
    for _ in range(draw(ints(0, 5))):
        if draw(ints(0, 3)) == 0:
            items = [valid_item(draw, token) for _ in range(draw(ints(0, 4)))]
            units.append(Unit(b"[" + b",".join(i.text for i in items) + b"]", items))
        elif draw(ints(0, 5)) == 0:
            fields = orjson.dumps({"fields": _scalar_fields(draw)})
            units.append(Unit(fields, [Item(fields, FIELDS_ONLY)]))
        else:
            item = valid_item(draw, token)
            units.append(Unit(item.text, [item]))
    ending = draw(pick(["none", "none", "invalid", "invalid-in-array", "stop", "terminal"]))
    if ending == "invalid":
        item = invalid_item(draw, token)
        units.append(Unit(item.text, [item]))
    elif ending == "invalid-in-array":
        items = [valid_item(draw, token) for _ in range(draw(ints(0, 2)))] + [invalid_item(draw, token)]
        units.append(Unit(b"[" + b",".join(i.text for i in items) + b"]", items))
    elif ending == "stop":
        # A key outside the envelope silently ends the request.
        text = orjson.dumps({"event": "x", draw(pick(["extra", "Event", "metadata"])): 1})
        units.append(Unit(text, [Item(text, STOP)]))
    elif ending == "terminal":
        units.append(terminal_unit(draw))
    if ending not in ("none", "terminal") and draw(booleans):
        # Whatever follows the object that stops parsing is never looked at.
        units.append(Unit(orjson.dumps({"event": unique("after")}), [Item(b"", VALID, payload=None)]))
    body = b""
    for number, unit in enumerate(units):
        gap = draw(pick([b"", b" ", b"\n", b"\r\n", b"\t \n"]))
        # Bare numbers and words need a gap, or two of them would read as one.
        body += unit.text + (gap or (b" " if unit.text[:1] not in (b"{", b"[") else b""))
    if draw(booleans):
        body = draw(pick([b" ", b"\n", b"\r\n"])) + body
    odd = ending != "none" or not units
    return body, units, odd


def expect_events(units: list[Unit], token: Token, channel: str | None) -> Expect:
    """Splunk's answer to an /event body: objects before the first bad one are indexed."""
    number, accepted = 0, []
    ack = token.ack and channel is not None

    def answer(code: codes.HECCode, at: int | None) -> Expect:
        return refused(code, at, ack=ack and bool(accepted), json_events=accepted)

    for unit in units:
        if unit.broken:
            return answer(codes.INVALID_DATA_FORMAT, number)
        for item in unit.items:
            if item.verdict == "invalid":
                assert item.code is not None
                return answer(item.code, number + item.offset)
            if item.verdict == STOP:
                if not accepted:
                    return refused(codes.NO_DATA)
                return Expect(200, 0, ack=ack, json_events=accepted)  # accepted is not empty here
            if item.verdict == VALID:
                accepted.append(item.payload)
            number += 1
    if number == 0:
        return refused(codes.NO_DATA)
    # An ackId acknowledges indexed events; a body of fields-only objects indexes none and gets none.
    return Expect(200, 0, ack=ack and bool(accepted), json_events=accepted)


def transport(draw: st.DrawFn, data: bytes) -> Payload:
    """How a decoded body travels: identity or gzip (good or broken), under or over the limit."""
    kind = draw(
        pick(
            ["identity", "identity", "identity", "identity-header", "gzip", "gzip", "x-gzip", "gzip-case",
             "gzip-truncated", "gzip-corrupt", "gzip-trailing", "gzip-members", "unsupported", "over-declared"]
        )
    )
    if kind in ("identity", "identity-header"):
        encoding = b"identity" if kind == "identity-header" else None
        return Payload(data, data, encoding, None, kind != "identity", f"body:{kind}")
    if kind == "unsupported":
        encoding = draw(pick([b"br", b"deflate", b"gzip, br", b"compress", b"zstd", b"gzip;q=1"]))
        return Payload(data, data, encoding, Expect(415, None, html=True), True, f"body:{kind}")
    if kind == "over-declared":
        # Refused at the Content-Length header, before a byte of the body is read.
        wire = data + b"\n" + b"p" * (LIMIT + 1 - len(data))
        return Payload(wire, wire, None, None, True, f"body:{kind}")
    level = draw(pick([1, 6, 9]))
    packed = gzip.compress(data, compresslevel=level, mtime=0) if data else b""
    encoding = {"x-gzip": b"x-gzip", "gzip-case": b"GZip"}.get(kind, b"gzip")
    if kind == "gzip-truncated" and packed:
        cut = draw(ints(1, len(packed) - 1))
        return Payload(data, packed[:cut], b"gzip", None, True, f"body:{kind}")
    if kind == "gzip-corrupt" and packed:
        # The deflate data or the CRC/size trailer: bytes 10 and on (the header's own bytes may be anything).
        position = draw(ints(10, len(packed) - 1))
        flipped = packed[:position] + bytes([packed[position] ^ draw(ints(1, 255))]) + packed[position + 1 :]
        return Payload(data, flipped, b"gzip", None, True, f"body:{kind}")
    if kind == "gzip-trailing" and packed:
        junk = draw(pick([b"x", b"\x00", b"\x1f", b"garbage after the member"]))
        return Payload(data, packed + junk, b"gzip", None, True, f"body:{kind}")
    if kind == "gzip-members" and data:
        # Several gzip members end to end inflate to their concatenation.
        cut = draw(ints(0, len(data)))
        wire = gzip.compress(data[:cut], mtime=0) + gzip.compress(data[cut:], mtime=0)
        return Payload(data, wire, b"gzip", None, True, f"body:{kind}")
    return Payload(data, packed, encoding, None, kind != "gzip", f"body:{kind}")


TOO_LARGE = object()


def reference_gunzip(wire: bytes, limit: int = LIMIT) -> bytes | None | object:
    """A gzip body inflated by the standard library's zlib (the collector uses zlib-ng).

    None when it is not valid gzip; TOO_LARGE when its output passes `limit` (checked after each
    member, and before a truncated member's end is noticed, as a streaming reader must).
    """
    import zlib

    out = b""
    data = wire
    while data:
        inflater = zlib.decompressobj(wbits=31)
        try:
            out += inflater.decompress(data)
        except zlib.error:
            return None
        if len(out) > limit:
            return TOO_LARGE
        if not inflater.eof:
            return None
        data = inflater.unused_data
    return out


def body_verdict(payload: Payload) -> Expect | None:
    """The answer the body alone decides (encoding 415, size 413, gzip 400/6, empty 400/5), or None.

    The decoded body is checked against what the strategy meant to send, so a gzip body that
    still inflates after corruption (a flipped bit where nothing checks it) is judged by what it holds.
    """
    if payload.refusal is not None:
        return payload.refusal  # an unsupported Content-Encoding
    if len(payload.wire) > LIMIT:
        return Expect(413, None, html=True)  # by Content-Length, or by counting a chunked body
    if payload.encoding is not None and payload.encoding.strip().lower() in (b"gzip", b"x-gzip") and payload.wire:
        decoded = reference_gunzip(payload.wire)
        if decoded is TOO_LARGE:
            return Expect(413, None, html=True)
        if decoded is None:
            return refused(codes.INVALID_DATA_FORMAT)
        assert decoded == payload.data, "a corrupted gzip body inflated to other bytes with a good CRC"
    if not payload.data or payload.data.isspace():
        return refused(codes.NO_DATA)
    return None


# -- whole requests -------------------------------------------------------------------------------


ENDPOINTS = {
    "raw": ["/services/collector/raw", "/services/collector/raw/1.0"],
    "event": ["/services/collector", "/services/collector/event", "/services/collector/event/1.0"],
    "ack": ["/services/collector/ack", "/services/collector/ack/1.0"],
    "health": ["/services/collector/health", "/services/collector/health/1.0"],
}
ALLOWED = {"raw": "POST,OPTIONS", "event": "POST,OPTIONS", "ack": "POST,OPTIONS", "health": "GET,HEAD,OPTIONS"}
UNKNOWN_PATHS = ["/", "/services/collector/nope", "/services/collector/raw/2.0", "/services/collector/event/", "/services/server/info", "/%ff%fe", "/services/collector/raw;x"]

header_value = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"), max_size=60).map(
    lambda s: s.strip(" ").encode("latin-1")
)


def extra_headers(draw: st.DrawFn) -> tuple[list[tuple[bytes, bytes]], bool]:
    """Headers HEC ignores: junk, repeated ones, and one huge one, to show none of it matters."""
    headers: list[tuple[bytes, bytes]] = []
    kind = draw(pick(["none", "none", "junk", "repeated", "huge", "many"]))
    if kind == "junk":
        headers = [(b"X-Junk-" + str(i).encode(), draw(header_value)) for i in range(draw(ints(1, 5)))]
    elif kind == "repeated":
        headers = [(b"X-Repeated", draw(header_value))] * draw(ints(2, 50))
    elif kind == "huge":
        headers = [(b"X-Huge", b"h" * draw(ints(4_000, 60_000)))]
    elif kind == "many":
        headers = [(b"X-Many-" + str(i).encode(), b"v") for i in range(draw(ints(50, 300)))]
    return headers, kind != "none"


def _target(path: str, query: list[tuple[str, str]]) -> str:
    from urllib.parse import quote

    if not query:
        return path
    return path + "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query)


@st.composite
def exchanges(draw: st.DrawFn) -> Exchange:
    endpoint = draw(pick(["raw"] * 7 + ["event"] * 7 + ["ack"] * 2 + ["health", "other"] * 2))
    extras, odd_headers = extra_headers(draw)
    close = draw(ints(0, 15)) == 0
    if close:
        extras.append((b"Connection", b"close"))
    if endpoint == "other":
        return _other(draw, extras, close)
    path = draw(pick(ENDPOINTS[endpoint]))
    if endpoint == "health":
        method = draw(pick(["GET", "GET", "HEAD"]))
        creds = credentials(draw)
        # Splunk ignores the token on health, good, bad or absent.
        return Exchange(
            build_request(method, _target(path, creds.query), creds.headers + extras), Expect(200, 17), method,
            creds.malformed or odd_headers, "health", close,
        )
    creds = credentials(draw)
    chan = channels(draw)
    query = list(creds.query) + list(chan.query)
    malformed = creds.malformed or chan.malformed or odd_headers
    label = creds.label
    token = creds.token
    expect: Expect | None = None
    if creds.refusal is not None:
        expect = refused(creds.refusal)

    # What the body says, before it is encoded.
    units: list[Unit] = []
    lines: list[bytes] = []
    ack_ids: list[int] | None = None
    if endpoint == "raw":
        data, lines, odd = raw_lines(draw)
        if draw(ints(0, 6)) == 0:
            # Pad to just under or just over the content limit.
            target = LIMIT + draw(ints(-3, 3))
            pad = unique("pad").encode() + b" "
            filler = target - len(data) - 1 - len(pad)
            if filler > 0:
                data = data + b"\n" + pad + b"p" * filler
                lines = [line for line in data.splitlines() if line and not line.isspace()]
                odd = True
        index = None
        if draw(ints(0, 4)) == 0:
            index = draw(pick(["main", "web", "other", "nowhere"]))
            query.append(("index", index))
        moment = None
        if draw(ints(0, 4)) == 0:
            moment = draw(pick(["1700000000", "1700000000.5", "1700000000000", "abc", "-1", "nan", "inf", "1e400", ""]))
            query.append(("time", moment))
    elif endpoint == "event":
        data, units, odd = event_body(draw, token or TOKENS["good"])
    else:
        kind = draw(pick(["ok", "ok", "empty-list", "bad-json", "bad-shape", "negative", "bools"]))
        ack_ids = None
        if kind == "ok":
            ack_ids = draw(ack_id_lists)
            data = orjson.dumps({"acks": ack_ids})
        elif kind == "empty-list":
            ack_ids, data = [], b'{"acks":[]}'
        else:
            data = {"bad-json": b'{"acks":[0,', "bad-shape": b'{"acks":"0"}', "negative": b'{"acks":[-1]}', "bools": b'{"acks":[true]}'}[kind]
        odd = ack_ids is None
    malformed = malformed or odd
    payload = transport(draw, data)
    malformed = malformed or payload.malformed
    label += f" {payload.label} {endpoint}"

    # Splunk's order: credentials, channel, (raw: index, time), body (encoding, size, gzip, empty), events.
    if expect is None:
        assert token is not None
        if endpoint == "ack" and not token.ack:
            expect = refused(codes.ACK_DISABLED)
        elif chan.value is None and (token.ack or endpoint == "ack"):
            expect = refused(codes.CHANNEL_MISSING)
        elif chan.value is not None and not chan.valid:
            expect = refused(codes.INVALID_CHANNEL)
    if expect is None and endpoint == "raw":
        assert token is not None
        if index is not None and not index_allowed(token, index):
            expect = refused(codes.INCORRECT_INDEX)
        elif moment is not None and moment not in ("1700000000", "1700000000.5", "1700000000000"):
            expect = refused(codes.INVALID_DATA_FORMAT)
    chunks = None
    if draw(ints(0, 3)) == 0:
        chunks = draw(chunk_sizes)
    if expect is None:
        expect = body_verdict(payload)
    if expect is None:
        assert token is not None
        if endpoint == "raw":
            expect = Expect(200, 0, ack=token.ack and chan.value is not None, raw_events=lines)
        elif endpoint == "event":
            expect = expect_events(units, token, chan.value)
        else:
            expect = Expect(200, 0, ack_ids=ack_ids) if ack_ids is not None else refused(codes.INVALID_DATA_FORMAT)

    headers = creds.headers + chan.headers + extras
    if payload.encoding is not None:
        headers.append((b"Content-Encoding", payload.encoding))
    if draw(ints(0, 9)) == 0:
        headers.append((b"Expect", b"100-continue"))
        malformed = True
    data_out = build_request("POST", _target(path, query), headers, payload.wire, chunks=chunks)
    return Exchange(data_out, expect, "POST", malformed or chunks is not None, label, close, payload.data)


def _other(draw: st.DrawFn, extras: list[tuple[bytes, bytes]], close: bool) -> Exchange:
    kind = draw(pick(["unknown", "wrong-method", "options"]))
    if kind == "unknown":
        method = draw(pick(["GET", "POST", "PUT", "DELETE", "HEAD"]))
        path = draw(pick(UNKNOWN_PATHS))
        body = b"x" if method in ("POST", "PUT") else b""
        return Exchange(build_request(method, path, extras, body), Expect(404, 404), method, True, "unknown-path", close)
    endpoint = draw(pick(list(ENDPOINTS)))
    path = draw(pick(ENDPOINTS[endpoint]))
    if kind == "options":
        return Exchange(build_request("OPTIONS", path, extras), Expect(200, None), "OPTIONS", True, "options", close)
    allowed = ALLOWED[endpoint].split(",")
    method = draw(pick([m for m in ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD") if m not in allowed]))
    body = b"a\n" if method in ("POST", "PUT", "PATCH") else b""
    return Exchange(build_request(method, path, extras, body), Expect(405, 404), method, True, "wrong-method", close)
