"""/event bodies parsed piece by piece (as big gzip bodies are) answer exactly as parsed whole."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from hecharness.hec.events import Defaults, parse_event_body, parse_event_pieces
from hecharness.hec.indexes import Indexes
from hecharness.hec.tokens import Token

TOKEN = Token("t", indexes=("main", "web"))
DEFAULTS = Defaults(1, None, "host", TOKEN, Indexes((), [TOKEN]))

OBJECTS = [
    b'{"event":"hello"}', b'{"event":{"a":[1,2,{"b":"\xc3\xa9"}]},"time":"12.5"}', b'[{"event":1},{"event":"two"}]',
    b'{"event":"\\ud83d\\ude00 pair"}', b'{"event":"\\ud83d lone"}', b'{"event":null}', b'{"event":""}', b'{"fields":{"f":1}}',
    b'{"event":1,"index":"nope"}', b'{"event":1,"other":2}', b"12", b"true", b'"text"', b"{", b"}", b"[", b'{"event":NaN}',
    b'{"event":"' + b"long" * 30 + b'"}', b"\xff", b"\xe2\x82", b" ", b"\n", b"\t\r\n",
    b'{"event":2.5e3,"time":1.75248e9}', b'{"event":{"time":1e9},"time":17524800}', b'[{"event":1,"time" : 1E9}]',
]
bodies = st.lists(st.sampled_from(OBJECTS), max_size=12).map(b"".join)
cuts = st.lists(st.integers(min_value=0, max_value=2_000), max_size=10)


def pieces(data: bytes, where: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in where} | {0, len(data)})
    return [data[a:b] for a, b in zip(points, points[1:]) if b > a]


def outcome(parsed):
    error = parsed.error
    return (
        [(e.event, e.index, e.time, e.fields) for e in parsed.events],
        None if error is None else (error.code.code, error.invalid_event_number),
    )


@settings(max_examples=1_500, deadline=None)
@given(bodies, cuts, st.sampled_from([20, 60, 5_242_880]))
def test_pieces_parse_as_the_whole_body_does(data, where, max_event_size):
    whole = parse_event_body(data, DEFAULTS, max_event_size)
    assert outcome(parse_event_pieces(pieces(data, where), DEFAULTS, max_event_size)) == outcome(whole)


def test_a_body_that_is_no_json_is_refused_after_one_event_of_it():
    taken = []

    def zeros():
        for _ in range(1_000):
            taken.append(1)
            yield bytes(4096)

    parsed = parse_event_pieces(zeros(), DEFAULTS, 10_000)
    assert parsed.events == [] and (parsed.error.code.code, parsed.error.invalid_event_number) == (6, 0)
    assert len(taken) <= 4  # 10,000 characters and one piece more, never the rest


def test_what_follows_the_first_bad_object_is_never_read():
    taken = []

    def body():
        yield b'{"event":"kept"}{"event":'
        yield b"null}"
        for _ in range(1_000):
            taken.append(1)
            yield b'{"event":"never"}'

    parsed = parse_event_pieces(body(), DEFAULTS, 5_242_880)
    assert [e.event for e in parsed.events] == ["kept"]
    assert (parsed.error.code.code, parsed.error.invalid_event_number) == (6, 1)
    assert len(taken) <= 1  # an object cut short waits for its unparsed text to double, no longer
