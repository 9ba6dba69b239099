"""Turning records into the bytes a Logpush job would upload.

A batch is::

    batch_prefix + record + record_delimiter + record + ... + batch_suffix

and a record is ``record_prefix + fields + record_suffix``, where the fields are either the
selected fields joined by ``field_delimiter`` (``"Name":value`` pairs for ndjson, bare values for
csv) or the ``record_template`` filled in. With ``CVE-2021-44228`` set, every ``${`` in the output
becomes ``x{``.

Records are mappings from field name to value with timestamps as integer nanoseconds, which is
what `hecharness.generate.records` yields; a selected field a record lacks is written as null.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

import orjson

from hecharness.generate.catalog import Dataset, get_dataset
from hecharness.generate.errors import OutputOptionsError
from hecharness.generate.options import OutputOptions, OutputType
from hecharness.generate.render import csv_value, json_value, timestamp_converter

__all__ = ["Encoder", "Layout"]


class Layout:
    """The byte shape of one record: literal text before each field, and what surrounds them.

    `pieces` pairs the literal written before a field with the field's name, or with None where
    a template names a field that is not selected (written as null).
    """

    def __init__(self, dataset: Dataset, options: OutputOptions, fields: tuple[str, ...]) -> None:
        self.fields = fields
        self.options = options
        ndjson = options.output_type == OutputType.NDJSON
        self.value = json_value if ndjson else csv_value
        self.convert = timestamp_converter(options.timestamp_format)
        self.timestamp_fields = frozenset(dataset.timestamp_fields)
        self.selected_timestamps = tuple(f for f in fields if f in self.timestamp_fields)
        self.head = options.resolved("record_prefix").encode()
        suffix = options.resolved("record_suffix").encode()
        delimiter = options.resolved("field_delimiter").encode()
        template = options.template
        pieces: list[tuple[bytes, str | None]] = []
        if template is not None:
            selected = set(fields)
            literal = template.parts[0]
            for name, after in zip(template.parts[1::2], template.parts[2::2]):
                pieces.append((literal, name if name in selected else None))
                literal = after
            self.tail = literal + suffix
        else:
            for index, name in enumerate(fields):
                separator = delimiter if index else b""
                pieces.append((separator + orjson.dumps(name) + b":" if ndjson else separator, name))
            self.tail = suffix
        self.pieces = tuple(pieces)
        self.record_delimiter = options.record_delimiter.encode()
        self.batch_prefix = options.batch_prefix.encode()
        self.batch_suffix = options.batch_suffix.encode()
        self.cve = options.cve_2021_44228
        # The default ndjson shape is exactly what orjson writes for the projected record, which
        # is several times faster than joining the fields one by one.
        self.json_shortcut = ndjson and template is None and delimiter == b"," and self.head.endswith(b"{") and self.tail.startswith(b"}")

    def render(self, field: str, value: Any) -> bytes:
        if field in self.timestamp_fields:
            value = self.convert(value)
        return self.value(value)


class Encoder:
    """Encodes records of one dataset under one job's output options.

    >>> encoder = Encoder("http_requests", "fields=RayID,EdgeStartTimestamp&timestamps=rfc3339")
    >>> encoder.encode_record({"RayID": "3a6050bcbe121a87", "EdgeStartTimestamp": 1506702504433000200})
    b'{"RayID":"3a6050bcbe121a87","EdgeStartTimestamp":"2017-09-29T16:28:24Z"}\\n'

    `options` may be an `OutputOptions`, an ``output_options`` mapping or a ``logpull_options``
    string. Sampling (`sample_rate`) is not applied here: an encoder writes exactly the records it
    is given, so the caller knows what was sent. `hecharness.generate.records` samples.
    """

    def __init__(
        self,
        dataset: str | Dataset,
        options: OutputOptions | Mapping[str, Any] | str | None = None,
        *,
        profile: str = "cloudflare",
    ) -> None:
        self.dataset = dataset if isinstance(dataset, Dataset) else get_dataset(dataset, profile)
        self.options = OutputOptions.parse(options)
        if self.options.merge_subrequests and self.dataset.subrequests is None:
            raise OutputOptionsError(f"merge_subrequests: only http_requests merges subrequests, not {self.dataset.name}")
        self.fields = self.dataset.select(self.options.field_names, profile, merging=self.options.merge_subrequests)
        self.layout = Layout(self.dataset, self.options, self.fields)

    def encode_record(self, record: Mapping[str, Any]) -> bytes:
        """One record with its prefix and suffix (no record delimiter)."""
        line = self._line(record)
        return line.replace(b"${", b"x{") if self.layout.cve else line

    def encode_batch(self, records: Iterable[Mapping[str, Any]]) -> bytes:
        """A whole batch: prefix, records joined by the record delimiter, suffix."""
        layout = self.layout
        body = layout.batch_prefix + layout.record_delimiter.join(map(self._line, records)) + layout.batch_suffix
        return body.replace(b"${", b"x{") if layout.cve else body

    def iter_batch(self, records: Iterable[Mapping[str, Any]], *, chunk_records: int = 1000) -> Iterator[bytes]:
        """One batch in pieces, so a batch of any size is written in flat memory."""
        iterator = iter(records)
        chunks = iter(lambda: [self._line(r) for r in islice(iterator, chunk_records)], [])
        return self.join_lines(chunks)

    def join_lines(self, chunks: Iterable[list[bytes]]) -> Iterator[bytes]:
        """Assemble already-encoded record lines, given in chunks, into one batch's pieces."""
        return _replace_cve(_assemble(self.layout, chunks)) if self.layout.cve else _assemble(self.layout, chunks)

    def _line(self, record: Mapping[str, Any]) -> bytes:
        layout = self.layout
        fields = layout.fields
        if layout.json_shortcut:
            if type(record) is dict and len(record) == len(fields) and tuple(record) == fields:
                projected = record.copy() if layout.selected_timestamps else record
            else:
                projected = {name: record.get(name) for name in fields}
            convert = layout.convert
            for name in layout.selected_timestamps:
                projected[name] = convert(projected[name])
            return layout.head[:-1] + orjson.dumps(projected) + layout.tail[1:]
        render = layout.render
        parts = [layout.head]
        for literal, name in layout.pieces:
            parts.append(literal)
            parts.append(b"null" if name is None else render(name, record.get(name)))
        parts.append(layout.tail)
        return b"".join(parts)


def _assemble(layout: Layout, chunks: Iterable[list[bytes]]) -> Iterator[bytes]:
    if layout.batch_prefix:
        yield layout.batch_prefix
    delimiter = layout.record_delimiter
    first = True
    for lines in chunks:
        if not lines:
            continue
        body = delimiter.join(lines)
        yield body if first or not delimiter else delimiter + body
        first = False
    if layout.batch_suffix:
        yield layout.batch_suffix


def _replace_cve(pieces: Iterable[bytes]) -> Iterator[bytes]:
    # A "$" at the end of one piece may meet a "{" at the start of the next: hold it back.
    carry = b""
    for piece in pieces:
        data = carry + piece
        carry = b""
        if data.endswith(b"$"):
            data, carry = data[:-1], b"$"
        if data:
            yield data.replace(b"${", b"x{")
    if carry:
        yield carry
