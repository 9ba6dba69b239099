"""RawLines: counting on arrival and splitting on reading must give exactly the events splitting gives."""

from __future__ import annotations

import threading

from hypothesis import given, settings, strategies as st

from hecharness.hec import lines as lines_module
from hecharness.hec.lines import LineCounter, RawLines, split_lines


def reference(data: bytes) -> list[bytes]:
    return [line for line in data.splitlines() if line and not line.isspace()]


def cut(data: bytes, cuts: list[int]) -> list[bytes]:
    """The body in pieces, as it arrives off the wire or out of the inflater (never an empty piece)."""
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in zip(points, points[1:]) if b > a]


bodies = st.lists(
    st.sampled_from([b"\n", b"\r", b"\r\n", b" ", b"\t", b"\x0b", b"\x0c", b"a", b"{}", b"\xff", b"x" * 40]), max_size=60
).map(b"".join)
cuts = st.lists(st.integers(min_value=0, max_value=10_000), max_size=8)


@settings(max_examples=400, deadline=None)
@given(bodies)
def test_split_lines_is_splitlines_without_blank_lines(data):
    assert split_lines(data) == reference(data)


@settings(max_examples=600, deadline=None)
@given(bodies, cuts)
def test_counting_across_pieces_without_splitting_agrees(data, where):
    data = data.replace(b"\r", b"")  # the counting walk is only taken for bodies without \r
    assert lines_module._count_lines(cut(data, where)) == len(reference(data))


@settings(max_examples=600, deadline=None)
@given(bodies, cuts)
def test_a_counter_fed_piece_by_piece_agrees_carriage_returns_and_all(data, where):
    counter = LineCounter()
    for piece in cut(data, where):
        counter.feed(piece)
    assert counter.count == len(reference(data))


def test_a_counter_keeps_nothing_of_a_line_that_never_ends():
    counter = LineCounter()
    for _ in range(100):
        counter.feed(b"\0" * 4096)
    assert counter.count == 1 and not any(isinstance(v, bytes) for v in (counter._open, counter._closed))
    counter.feed(b"\r\n  \r\n\t\n" + b"y" * 10 + b"\n" * 3 + b"z")
    assert counter.count == 3


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([b"", b" ", b"a", b"\x0c"]), min_size=1, max_size=4), st.integers(1, 300), cuts)
def test_counting_short_and_long_lines_alike(shape, repeat, where):
    # Dense pieces are split in C, sparse ones walked line by line: both must count the same.
    data = b"\n".join(shape * repeat) + b"\n" + b"q" * 5000 + b"\n"
    counter = LineCounter()
    for piece in cut(data, where):
        counter.feed(piece)
    assert counter.count == len(reference(data))


@settings(max_examples=150, deadline=None)
@given(bodies, cuts, st.integers(min_value=0, max_value=5))
def test_long_bodies_are_counted_now_and_split_when_read(tail, where, head):
    long_line = b'{"RayID":"' + b"7" * 3000 + b'"}'
    data = b"\n".join([long_line] * 30) + b"\n" + tail.replace(b"\r", b"")
    lines = RawLines.of(cut(data, [w * 13 for w in where]))
    assert lines._lines is None  # counted, not split
    expected = reference(data)
    assert len(lines) == len(expected)
    partial = lines.head(head)
    assert partial.lines() == expected[:head]
    assert lines.lines() == expected


def test_bodies_with_short_lines_or_carriage_returns_are_split_at_once():
    short = b"a\n" * 50_000
    with_cr = (b"x" * 3000 + b"\r\n") * 40
    for data in (short, with_cr, b"tiny\n"):
        lines = RawLines.of([data[:1000], data[1000:]])
        assert lines._lines is not None
        assert lines.lines() == reference(data)


def test_whole_body_mode_is_one_event_without_the_final_newline():
    lines = RawLines.of([b"a\n", b"b\r\n"], whole_body=True)
    assert (len(lines), lines.lines()) == (1, [b"a\nb"])


def test_readers_on_several_threads_all_get_the_lines():
    data = (b"y" * 4000 + b"\n") * 500
    for _ in range(20):
        lines = RawLines.of([data])
        results = []
        threads = [threading.Thread(target=lambda: results.append(lines.lines())) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(results) == 4 and all(result == reference(data) for result in results)
