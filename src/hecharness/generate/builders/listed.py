"""Any dataset from its field list alone: the builder behind every dataset that is not hand-modelled.

The field list is compiled once per seed into the same shape the hand-made builders have:

- fields are grouped by what they describe, read from the first word of their names (``Src...``
  and ``Source...`` are the source, ``Email``, ``User...`` and ``Device...`` the person), and each
  group becomes a slot whose entries are made from one `makers.Context`, so a group's fields agree;
- time fields and the record's key change on every record: the event time follows the stream's
  clock, an end time (``...End...``) comes up to five minutes after it, another time up to five
  minutes before, a ``...TimestampMs`` integer is the event time in milliseconds, and the key
  (`Dataset.key`) is a counter scrambled into a UUID (16 hex digits for a RayID), unique within a
  stream.

Records are then a few random picks each and render from pre-encoded fragments, as fast as the
hand-modelled datasets. What cannot be promised: agreement between groups (a gateway_http
SourceIP and its DestinationIP's country are drawn apart), or any rule the names do not show.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from hecharness.generate.blueprint import Blueprint, Plan, Slot
from hecharness.generate.catalog import Dataset, Field
from hecharness.generate.makers import Context, maker, words
from hecharness.generate.pools import Pools

__all__ = ["Listed", "build"]

ENTRIES = 512  # per slot: enough variety that picks rarely repeat a whole record
_SLOT_SIZE = 12  # small groups share a slot up to this many fields
_SPAN_NS = 300 * 1_000_000_000
# Words that name the same subject, so its fields land in one slot.
_SUBJECTS = {"Src": "Source", "Dst": "Destination", "Email": "User", "Device": "User", "Registration": "User",
             "Actor": "User", "Person": "User"}
# RayIds' scramble (http_requests): a bijection of a 40-bit counter, so keys never repeat.
_MULTIPLIER = 0x9E3779B97F
_MASK = (1 << 40) - 1


def build(dataset: Dataset, seed: int) -> tuple[Blueprint, Callable[..., Iterator[Plan]]]:
    """The dataset's pools (one per group of fields) and its per-record loop, for one seed."""
    pools = Pools(seed, f"listed:{dataset.name}")
    sites = tuple(f"{pools.fake.domain_word()}.{pools.rng.choice(('com', 'net', 'org', 'io'))}" for _ in range(6))
    dynamic = [f for f in dataset.fields if _per_record(dataset, f)]
    static = [f for f in dataset.fields if f not in dynamic]
    slots = []
    for group in _groups(static):
        slot = Slot(f"{group[0].name}+{len(group) - 1}", [f.name for f in group])
        makers = [(f.name, maker(f)) for f in group]
        for _ in range(ENTRIES):
            context = Context(pools, sites)
            slot.add({name: make(context) for name, make in makers})
        slots.append(slot)
    blueprint = Blueprint(dataset, slots, (None, *(f.name for f in dynamic)), event_index=0)
    return blueprint, _program(dataset, dynamic, len(slots))


class Listed:
    """Plans for one stream: a dataset's pools (shared per seed) and this stream's random state."""

    def __init__(self, blueprint: Blueprint, program: Callable[..., Iterator[Plan]], seed: int) -> None:
        self.blueprint = blueprint
        self._program = program
        self._rng = random.Random(f"hecharness:records:{blueprint.dataset.name}:{seed}")

    def plans(self, chunks: Iterable[list[int]]) -> Iterator[Plan]:
        entries = [slot.entries for slot in self.blueprint.slots]
        return self._program(chunks, self._rng, entries, self._rng.getrandbits(40))


def _per_record(dataset: Dataset, field: Field) -> bool:
    return field.is_timestamp or field.name in (dataset.key, dataset.event_time)


def _groups(fields: list[Field]) -> list[list[Field]]:
    by_subject: dict[str, list[Field]] = {}
    for field in fields:
        first = (words(field.name) or [field.name])[0]
        by_subject.setdefault(_SUBJECTS.get(first, first), []).append(field)
    groups: list[list[Field]] = []
    for group in by_subject.values():
        if groups and len(groups[-1]) + len(group) <= _SLOT_SIZE:
            groups[-1].extend(group)
        else:
            groups.append(list(group))
    return groups


def _program(dataset: Dataset, dynamic: list[Field], slots: int) -> Callable[..., Iterator[Plan]]:
    """The per-record loop, written out for this dataset's dynamic fields and compiled once.

    A generic loop would call a function per dynamic field per record; written out, a record costs
    a few arithmetic steps and one tuple, as in the hand-made builders.
    """
    expressions = ["t"]
    uses_span = uses_key = False
    for field in dynamic:
        if field.name == dataset.event_time:
            expressions.append("t // 1_000_000" if field.type == "int" else "t")
        elif field.is_timestamp:
            expressions.append("t + span" if "End" in field.name else "t - span")
            uses_span = True
        elif field.type == "int":
            expressions.append("low")
            uses_key = True
        elif field.name == "RayID":
            expressions.append('"%016x" % ((((t >> 30) & 0xFFFFFF) << 40) | low)')
            uses_key = True
        else:
            expressions.append('"%08x-%04x-4%03x-%04x-%012x" % (mixed >> 96, (mixed >> 80) & 0xFFFF, (mixed >> 68) & 0xFFF, '
                               '0x8000 | ((mixed >> 54) & 0x3FFF), low)')
            uses_key = True
    lines = [
        "def plans(chunks, rng, entries, offset):",
        "    choices, draw = rng.choices, rng.random",
        "    count = 0",
        "    for chunk in chunks:",
        "        n = len(chunk)",
        "        values = []",
        "        append = values.append",
        "        for t in chunk:",
    ]
    if uses_key:
        lines += [
            "            count += 1",
            "            low = (count * MULTIPLIER + offset) & MASK",
            "            low ^= low >> 19",
            "            mixed = (low * 0x9E3779B97F4A7C15F39CC0605CEDC835) & ((1 << 128) - 1)",
        ]
    if uses_span:
        lines.append("            span = int(draw() * SPAN)")
    lines.append(f"            append(({', '.join(expressions)},))")
    picks = ", ".join(f"choices(entries[{number}], k=n)" for number in range(slots))
    lines.append(f"        yield from zip(values, {picks})" if slots else "        yield from ((v,) for v in values)")
    namespace: dict[str, Any] = {"MULTIPLIER": _MULTIPLIER, "MASK": _MASK, "SPAN": _SPAN_NS}
    exec(compile("\n".join(lines), f"<{dataset.name} plans>", "exec"), namespace)
    return namespace["plans"]
