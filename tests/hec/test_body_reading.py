"""read_body on its own: gzip inflated as the chunks arrive, whatever the chunk boundaries."""

from __future__ import annotations

import asyncio
import gzip
import random

import pytest

from hecharness.hec import body as body_module
from hecharness.hec.body import TooLarge, read_body
from hecharness.hec.tokens import Rejected

GZIP = {"content-encoding": "gzip"}


def receiver(wire: bytes, sizes: list[int]):
    """An ASGI receive that hands `wire` over in chunks of the given sizes; counts what was taken."""
    pieces, start = [], 0
    for size in sizes:
        pieces.append(wire[start : start + size])
        start += size
    pieces.append(wire[start:])
    taken = []

    async def receive():
        chunk = pieces[len(taken)]
        taken.append(chunk)
        return {"type": "http.request", "body": chunk, "more_body": len(taken) < len(pieces)}

    receive.taken = taken
    receive.pieces = pieces
    return receive


def read(receive, headers=GZIP, limit=1 << 30):
    return asyncio.run(read_body(receive, headers, limit))


@pytest.mark.parametrize("seed", range(20))
def test_members_split_anywhere_inflate_to_the_same_bytes(seed):
    rng = random.Random(seed)
    texts = [rng.randbytes(rng.randrange(0, 5000)).hex().encode() for _ in range(rng.randrange(1, 4))]
    wire = b"".join(gzip.compress(text) for text in texts)
    sizes = [rng.randrange(1, 700) for _ in range(rng.randrange(0, 30))]
    body = read(receiver(wire, sizes))
    assert body.data == b"".join(texts)
    assert body.wire_bytes == len(wire)


def test_zlib_is_never_handed_more_than_one_received_chunk(monkeypatch):
    # Handing zlib the whole body with an output cap makes it copy the unread rest at every stop:
    # quadratic in the body's size. Each call must see at most what one receive() brought.
    seen: list[int] = []
    real = body_module.zlib.decompressobj

    class Spy:
        def __init__(self, *args, **kwargs):
            self._inner = real(*args, **kwargs)

        def decompress(self, data, max_length=0):
            seen.append(len(data))
            return self._inner.decompress(data, max_length)

        def __getattr__(self, name):
            return getattr(self._inner, name)

    monkeypatch.setattr(body_module.zlib, "decompressobj", Spy)
    text = b"".join(b'{"RayID":"%08x","pad":"%s"}\n' % (i, b"x" * (i % 300)) for i in range(20_000))
    wire = gzip.compress(text, 1)
    chunk = 4096
    body = read(receiver(wire, [chunk] * (len(wire) // chunk)))
    assert body.data == text
    assert seen and max(seen) <= chunk


@pytest.mark.parametrize(
    "wire",
    [b"not gzip at all" * 100, gzip.compress(b"a" * 10_000, mtime=0)[:-8], gzip.compress(b"ok\n", mtime=0) + b"trailing junk"],
    ids=["garbage", "truncated", "junk-after-member"],
)
def test_bad_gzip_is_refused_only_after_the_whole_body_is_read(wire):
    receive = receiver(wire, [7] * (len(wire) // 7))
    with pytest.raises(Rejected) as refused:
        read(receive)
    assert refused.value.code.code == 6
    assert len(receive.taken) == len(receive.pieces)


def test_inflating_past_the_cap_stops_at_once():
    wire = gzip.compress(b"\n" * 5_000_000)
    receive = receiver(wire, [64] * (len(wire) // 64))
    with pytest.raises(TooLarge):
        read(receive, limit=100_000)
    assert len(receive.taken) < len(receive.pieces)


def test_plain_body_is_joined_untouched():
    body = read(receiver(b"abc\ndef\n", [1, 2, 3]), headers={})
    assert (body.data, body.wire_bytes) == (b"abc\ndef\n", 8)


def test_output_still_inside_zlib_when_a_chunk_runs_out_is_not_lost():
    # A highly compressible member: zlib still holds output when a chunk ends near the end of the
    # deflate data; it must come out with the next chunk (the trailer), whatever the cut.
    text = b"0123456789abcdef" * (3 * body_module._INFLATE_STEP // 16) + b"tail\n"
    wire = gzip.compress(text, 9)
    deflate_end = len(wire) - 8  # the CRC and size follow the deflate data
    for cut in range(deflate_end - 24, len(wire)):
        assert read(receiver(wire, [cut])).data == text, cut


@pytest.mark.parametrize("seed", range(10))
def test_past_the_keep_budget_a_body_is_counted_let_go_and_inflated_again_alike(monkeypatch, seed):
    rng = random.Random(seed)
    monkeypatch.setattr(body_module, "KEEP_DECODED", 1000)
    text = b"".join(rng.choice([b"\n", b"\r\n", b"  \n", b"event ", b"x" * 700]) for _ in range(rng.randrange(30, 300)))
    wire = gzip.compress(text[: len(text) // 2]) + gzip.compress(text[len(text) // 2 :])
    body = read(receiver(wire, [rng.randrange(1, 300) for _ in range(20)]))
    expected = [line for line in text.splitlines() if line.strip()]
    assert body._parts is None  # nothing inflated is held
    assert (body.size, body.wire_bytes, body.data) == (len(text), len(wire), text)
    lines = body.raw_lines()
    assert lines.count == len(expected)
    assert lines.head(3).lines() == expected[:3]
    assert lines.lines() == expected
    assert body.raw_lines(whole_body=True).lines() == [text.rstrip(b"\r\n")]


def test_a_blank_body_past_the_keep_budget_is_still_blank(monkeypatch):
    monkeypatch.setattr(body_module, "KEEP_DECODED", 100)
    body = read(receiver(gzip.compress(b" \n\r\t" * 1000), [50]))
    assert body._parts is None and body.is_blank()
    assert body.raw_lines().count == 0


def test_under_the_keep_budget_the_inflated_pieces_are_kept():
    body = read(receiver(gzip.compress(b"kept\n" * 1000), [100]))
    assert body._parts is not None and body.raw_lines().lines() == [b"kept"] * 1000
