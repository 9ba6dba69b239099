"""The shape every dataset builder shares: records assembled from pre-built parts.

A record is split into *slots* (say, who the client is, what was asked, what happened) plus a few
*dynamic* fields that change on every record (ids, timestamps, ports). Each slot has a pool of
*entries*, each a consistent set of values for the slot's fields, built once per seed. A record is
then a *plan*: ``(dynamic values, entry, entry, ...)``, one entry per slot.

Building a plan costs a few random draws. Turning it into output is where the time goes, so a
plan can become either

- a dict, by copying the pre-projected entry values into a template dict (`materializer`), or
- encoded bytes directly, by joining fragments pre-rendered once per entry for the job's layout
  (`renderer`), which is what keeps full-width records above 100,000 per second.

Both paths read the same plan, so they always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from hecharness.generate.catalog import Dataset
from hecharness.generate.encode import Layout
from hecharness.generate.render import TimestampFormat, json_value

__all__ = ["Blueprint", "Entry", "Piece", "Plan", "Slot"]

Plan = tuple  # (dynamic values, entry, entry, ...)


class Piece(StrEnum):
    """Where a piece of a record comes from: literal layout text, a slot's entry, or the plan's dynamic values."""

    CONST = "const"
    SLOT = "slot"
    DYNAMIC = "dynamic"


class Entry:
    __slots__ = ("index", "values", "meta")

    def __init__(self, index: int, values: dict[str, Any], meta: Any) -> None:
        self.index = index
        self.values = values
        # What the builder needs to know about the entry besides its field values.
        self.meta = meta


class Slot:
    """A group of fields whose values are chosen together, and its pool of entries."""

    def __init__(self, name: str, fields: Sequence[str]) -> None:
        self.name = name
        self.fields = tuple(fields)
        self._field_set = frozenset(fields)
        self.entries: list[Entry] = []

    def add(self, values: dict[str, Any], meta: Any = None) -> Entry:
        if values.keys() != self._field_set:
            missing = sorted(self._field_set - values.keys())
            extra = sorted(values.keys() - self._field_set)
            raise AssertionError(f"slot {self.name}: entry is missing {missing} and has extra {extra}")
        entry = Entry(len(self.entries), values, meta)
        self.entries.append(entry)
        return entry


class Blueprint:
    """A dataset's slots and dynamic fields; together they own every field exactly once."""

    def __init__(self, dataset: Dataset, slots: Sequence[Slot], dynamic: Sequence[str | None], event_index: int | None = None) -> None:
        """`dynamic` may hold None for a per-record value that is no field (say, an event time in
        nanoseconds behind a field in milliseconds); `event_index` then says which value is the event time."""
        self.dataset = dataset
        self.slots = tuple(slots)
        self.dynamic = tuple(dynamic)
        self.owner: dict[str, tuple[Piece, int]] = {}
        for number, slot in enumerate(self.slots):
            for name in slot.fields:
                self._own(name, (Piece.SLOT, number))
        for number, name in enumerate(self.dynamic):
            if name is not None:
                self._own(name, (Piece.DYNAMIC, number))
        unowned = [name for name in dataset.field_names if name not in self.owner]
        if unowned:
            raise AssertionError(f"{dataset.name}: nobody builds {unowned}")
        self.event_index = self.dynamic.index(dataset.event_time) if event_index is None else event_index
        # Pre-rendering every entry for a layout takes a noticeable fraction of a second, and
        # a simulator asks for the same layout batch after batch.
        self._materializers: dict[tuple[str, ...], Callable[[Plan], dict[str, Any]]] = {}
        self._renderers: dict[tuple, Callable[[Plan], bytes]] = {}

    def _own(self, name: str, owner: tuple[Piece, int]) -> None:
        if name in self.owner or not self.dataset.has(name):
            raise AssertionError(f"{self.dataset.name}: {name} is owned twice or is not a field")
        self.owner[name] = owner

    def materializer(self, fields: tuple[str, ...]) -> Callable[[Plan], dict[str, Any]]:
        """A function turning a plan into a dict holding `fields`, in that order."""
        if fields not in self._materializers:
            self._materializers[fields] = self._materializer(fields)
        return self._materializers[fields]

    def renderer(self, layout: Layout) -> Callable[[Plan], bytes]:
        """A function turning a plan straight into one encoded record (CVE replacement aside)."""
        key = (layout.fields, layout.options)
        if key not in self._renderers:
            self._renderers[key] = self._renderer(layout)
        return self._renderers[key]

    def _materializer(self, fields: tuple[str, ...]) -> Callable[[Plan], dict[str, Any]]:
        selected = set(fields)
        base = dict.fromkeys(fields)
        active = []
        for number, slot in enumerate(self.slots):
            keep = [name for name in slot.fields if name in selected]
            if len(keep) == len(slot.fields):
                active.append((number + 1, [entry.values for entry in slot.entries]))
            elif keep:
                active.append((number + 1, [{name: entry.values[name] for name in keep} for entry in slot.entries]))
        dynamic = [(name, number) for number, name in enumerate(self.dynamic) if name in selected]

        def materialize(plan: Plan) -> dict[str, Any]:
            record = base.copy()
            for position, table in active:
                record.update(table[plan[position].index])
            values = plan[0]
            for name, number in dynamic:
                record[name] = values[number]
            return record

        return materialize

    def _renderer(self, layout: Layout) -> Callable[[Plan], bytes]:
        # Walk the layout, merging neighbouring fields that come from the same slot into one
        # fragment, so a record is a handful of pre-rendered pieces plus its dynamic fields.
        items: list[list[Any]] = [[Piece.CONST, layout.head]]
        for literal, name in layout.pieces:
            if name is None:
                items.append([Piece.CONST, literal + b"null"])
                continue
            kind, number = self.owner[name]
            if kind == Piece.SLOT and items[-1][0] == Piece.SLOT and items[-1][1] == number:
                items[-1][2].append((literal, name))
            elif kind == Piece.SLOT:
                items.append([Piece.SLOT, number, [(literal, name)]])
            else:
                items.append([Piece.DYNAMIC, number, literal, name])
        items.append([Piece.CONST, layout.tail])

        consts: list[bytes] = []
        runs: dict[int, list[list[tuple[bytes, str]]]] = {}
        dynamic_items: list[tuple[int, bytes, str]] = []
        where: list[tuple[Piece, int, int]] = []
        for item in items:
            if item[0] == Piece.CONST:
                where.append((Piece.CONST, 0, len(consts)))
                consts.append(item[1])
            elif item[0] == Piece.SLOT:
                where.append((Piece.SLOT, item[1], len(runs.setdefault(item[1], []))))
                runs[item[1]].append(item[2])
            else:
                where.append((Piece.DYNAMIC, 0, len(dynamic_items)))
                dynamic_items.append((item[1], item[2], item[3]))

        # The record is joined from consts, slot runs and dynamic pieces in layout order. The
        # join is written out as straight-line code, compiled once per layout: at a few
        # microseconds per record, the loops and calls a generic version needs would double the
        # cost (namedtuple and dataclasses build their methods the same way).
        namespace: dict[str, Any] = {"join": b"".join}
        expressions = []
        slots_used = sorted(runs)
        for kind, number, index in where:
            if kind == Piece.CONST:
                namespace[f"c{index}"] = consts[index]
                expressions.append(f"c{index}")
            elif kind == Piece.SLOT:
                expressions.append(f"s{number}[{index}]")
            else:
                value_index, literal, name = dynamic_items[index]
                namespace[f"d{index}"] = literal
                expressions.append(f"d{index}")
                expressions += _dynamic_expressions(layout, self.dataset.field(name).type, name, f"values[{value_index}]", namespace)
        # Many entries share fragments (empty arrays, common statuses): keeping one copy of each
        # keeps the tables small enough to stay in cache, which matters more than anything else
        # here once pools hold thousands of entries.
        shared: dict[bytes, bytes] = {}
        for number in slots_used:
            namespace[f"t{number}"] = [
                tuple(
                    shared.setdefault(fragment, fragment)
                    for fragment in (b"".join(literal + layout.render(name, entry.values[name]) for literal, name in run) for run in runs[number])
                )
                for entry in self.slots[number].entries
            ]
        lines = ["def render(plan):", "    values = plan[0]"]
        lines += [f"    s{number} = t{number}[plan[{number + 1}].index]" for number in slots_used]
        lines.append(f"    return join(({', '.join(expressions)},))")
        exec(compile("\n".join(lines), f"<{self.dataset.name} renderer>", "exec"), namespace)
        return namespace["render"]


def _dynamic_expressions(layout: Layout, field_type: str, name: str, value: str, namespace: dict[str, Any]) -> list[str]:
    """Python expressions rendering one dynamic value, specialised by its type and format."""
    if name in layout.timestamp_fields:
        fmt = layout.options.timestamp_format
        if fmt == TimestampFormat.UNIXNANO:
            return [f'b"%d" % {value}']
        if fmt == TimestampFormat.UNIX:
            return [f'b"%d" % ({value} // 1_000_000_000)']
        namespace["convert"] = layout.convert
        return ["b'\"'", f"convert({value}).encode()", "b'\"'"]
    if field_type == "int":
        return [f'b"%d" % {value}']
    if field_type == "string" and layout.value is json_value:
        namespace["dumps"] = json_value
        return [f"dumps({value})"]
    namespace["render_field"] = layout.render
    return [f"render_field({name!r}, {value})"]
