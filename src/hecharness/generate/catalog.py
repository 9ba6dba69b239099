"""Datasets and their fields, as a Logpush job sees them.

A *profile* decides which fields exist: ``"cloudflare"`` offers every field Cloudflare documents,
``"ibm-cis"`` only those in IBM Cloud Internet Services' table (and IBM's dataset names, such as
``range_events`` for ``spectrum_events``).

Five datasets are hand-modelled (`HAND_MODELLED`: their fields in `fieldfacts`, their records built
to agree with one another). Every other dataset comes from a field list: the reference lists the
package carries, or a file a user adds with `add_field_list`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field as dataclass_field
from enum import StrEnum
from pathlib import Path

from hecharness.generate import fieldfacts
from hecharness.generate.errors import OutputOptionsError, UnknownDatasetError
from hecharness.generate.fieldlist import FieldListError, ListedDataset, read_field_list, reference_lists

__all__ = [
    "ALIASES",
    "DATASET_NAMES",
    "HAND_MODELLED",
    "PROFILES",
    "Dataset",
    "Field",
    "Profile",
    "add_field_list",
    "dataset_names",
    "get_dataset",
]


class Profile(StrEnum):
    """Whose field table a job sees: Cloudflare's, or IBM Cloud Internet Services'."""

    CLOUDFLARE = "cloudflare"
    IBM_CIS = "ibm-cis"


PROFILES = tuple(member.value for member in Profile)  # plain strings, as click.Choice shows them

TIMESTAMP = "int or string"


@dataclass(frozen=True)
class Field:
    name: str
    type: str | None  # None: not documented (a field list's null type); written as null
    description: str
    values: tuple[str, ...] = ()
    deprecated: bool = False
    ibm_cis: bool = True
    optional: bool = False  # an enumeration that is empty when it does not apply

    @property
    def is_timestamp(self) -> bool:
        return self.type == TIMESTAMP

    def allows(self, value: object) -> bool:
        """Whether `value` is one of the field's allowed values (any value when none are listed)."""
        return not self.values or value in self.values or (self.optional and value == "")


@dataclass(frozen=True)
class Dataset:
    """One Logpush dataset.

    `key` is the field that identifies a record within one generated stream (never repeated),
    which is what delivery accounting should key on; None when no field does (accounting then goes
    by whole lines). `event_time` is the time field that advances at the stream's rate; None when
    the dataset has none. `subrequests` names the field a job that merges Worker subrequests folds
    them into; Cloudflare outputs it only for such a job. `scope` is where a job for the dataset
    lives (a zone, or an account); `other_scopes` the others it may live in (an account-wide
    firewall_events job covers every zone of the account since June 2026). `listed` says the
    dataset comes from a field list, not a hand-made model.
    """

    name: str
    fields: tuple[Field, ...]
    key: str | None
    event_time: str | None
    scope: str
    ibm_name: str | None
    subrequests: str | None = None
    other_scopes: tuple[str, ...] = ()
    listed: bool = False
    _by_name: dict[str, Field] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})

    @property
    def scopes(self) -> tuple[str, ...]:
        return (self.scope, *self.other_scopes)

    def check_scope(self, scope: str | None) -> str:
        """The scope a stream or job is in: `scope`, or the dataset's own when None."""
        if scope is None:
            return self.scope
        if scope not in self.scopes:
            raise UnknownDatasetError(f"scope: {self.name} is pushed by {' or '.join(a + ' jobs' for a in self.scopes)}, not {scope!r}")
        return scope

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def timestamp_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.is_timestamp)

    def field(self, name: str) -> Field:
        return self._by_name[name]

    def has(self, name: str) -> bool:
        return name in self._by_name

    def available(self, profile: str = "cloudflare") -> tuple[Field, ...]:
        """Fields a job on this profile may select, deprecated ones included."""
        _check_profile(profile)
        if profile == Profile.IBM_CIS:
            return tuple(f for f in self.fields if f.ibm_cis)
        return self.fields

    def default_fields(self, profile: str = "cloudflare", merging: bool = False) -> tuple[str, ...]:
        """What ``all`` means: every non-deprecated field of the profile, in the documented order.

        `Subrequests` is one of them only for a job that merges subrequests (`merging`).
        """
        return tuple(f.name for f in self.available(profile) if not f.deprecated and (merging or f.name != self.subrequests))

    def select(self, fields: str | Iterable[str] | None, profile: str = "cloudflare", merging: bool = False) -> tuple[str, ...]:
        """Check a field selection and return it as a tuple, in the order given.

        None, ``"all"`` and ``["all"]`` select the defaults. A string is a comma-separated list,
        as in ``logpull_options``. Deprecated fields are only included when named.
        """
        if fields is None:
            return self.default_fields(profile, merging)
        names = [n.strip() for n in fields.split(",")] if isinstance(fields, str) else list(fields)
        if names == ["all"]:
            return self.default_fields(profile, merging)
        if not names:
            raise OutputOptionsError("field_names: at least one field is required")
        offered = {f.name for f in self.available(profile)}
        seen: set[str] = set()
        for name in names:
            if not isinstance(name, str):
                raise OutputOptionsError(f"field_names: field names must be strings, got {name!r}")
            if name not in self._by_name:
                raise OutputOptionsError(f"field_names: unknown field {name!r} for {self.name}{_hint(name, self._by_name)}")
            if name not in offered:
                raise OutputOptionsError(f"field_names: {name!r} is not offered by IBM CIS for {self.ibm_name or self.name}")
            if name in seen:
                raise OutputOptionsError(f"field_names: {name!r} is listed twice")
            seen.add(name)
        return tuple(names)


def _hint(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    if not close:
        lowered = {k.lower(): k for k in known}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise UnknownDatasetError(f"unknown profile {profile!r} (known: {', '.join(PROFILES)})")


# Network Analytics says these hold a value "if any": packets nothing mitigated leave them empty.
_OPTIONAL = {"MitigationReason", "MitigationScope", "ProtocolState", "RulesetID"}


def _fields(facts: tuple[fieldfacts.FieldFact, ...], optional: frozenset[str] = frozenset()) -> tuple[Field, ...]:
    return tuple(Field(**fact._asdict(), optional=fact.name in optional) for fact in facts)


_HAND_MODELLED = (
    Dataset("http_requests", _fields(fieldfacts.HTTP_REQUESTS), "RayID", "EdgeStartTimestamp", "zone", "http_requests", "Subrequests"),
    Dataset("firewall_events", _fields(fieldfacts.FIREWALL_EVENTS), "RayID", "Datetime", "zone", "firewall_events",
            other_scopes=("account",)),
    Dataset("dns_logs", _fields(fieldfacts.DNS_LOGS), "Timestamp", "Timestamp", "zone", "dns_logs"),
    Dataset("spectrum_events", _fields(fieldfacts.SPECTRUM_EVENTS), "Timestamp", "Timestamp", "zone", "range_events"),
    Dataset("network_analytics_logs", _fields(fieldfacts.NETWORK_ANALYTICS_LOGS, frozenset(_OPTIONAL)), "Datetime", "Datetime", "account", None),
)
HAND_MODELLED = tuple(d.name for d in _HAND_MODELLED)

# Identifier fields that name one record, best first: the first a dataset has is its key.
_KEYS = ("RayID", "RequestID", "QueryID", "EventID", "AuditLogID", "InstanceID", "SessionID", "ID")


def _from_list(listed: ListedDataset) -> Dataset:
    fields = _fields(listed.facts)
    times = [f.name for f in fields if f.is_timestamp]
    event_time = listed.event_time or _event_time(fields, times)
    names = {f.name for f in fields}
    key = listed.key or next((name for name in _KEYS if name in names), None)
    if key is None and event_time in times:
        key = event_time  # event times never repeat within a stream
    return Dataset(listed.name, fields, key, event_time, listed.scope, None, listed=True)


def _event_time(fields: tuple[Field, ...], times: list[str]) -> str | None:
    # A start, not an end, is when something happened.
    starts = [name for name in times if "End" not in name]
    if starts or times:
        return (starts or times)[0]
    # A dataset timed only in milliseconds (workers_trace_events' EventTimestampMs) follows the clock there.
    return next((f.name for f in fields if f.type == "int" and f.name.endswith("TimestampMs")), None)


_DATASETS = {d.name: d for d in _HAND_MODELLED}
_DATASETS.update((listed.name, _from_list(listed)) for listed in reference_lists() if listed.name not in _DATASETS)

DATASET_NAMES = tuple(_DATASETS)
ALIASES = {"range_events": "spectrum_events"}


def dataset_names() -> tuple[str, ...]:
    """Every dataset there is: the built-in ones (`DATASET_NAMES`), then those added from files."""
    return tuple(_DATASETS)


def add_field_list(path: str | Path) -> tuple[Dataset, ...]:
    """Add the datasets a field list file describes (see `hecharness.generate.fieldlist`), and return them.

    Adding a file again, or another file with a dataset of the same name, replaces that dataset; a
    built-in dataset cannot be replaced.
    """
    listed = read_field_list(path)
    for entry in listed:
        if entry.name in DATASET_NAMES or entry.name in ALIASES:
            raise FieldListError(f"{path}: datasets.{entry.name}: a built-in dataset has that name; give yours another")
    datasets = tuple(_from_list(entry) for entry in listed)
    _DATASETS.update((d.name, d) for d in datasets)
    return datasets


def get_dataset(name: str, profile: str = "cloudflare") -> Dataset:
    """Look a dataset up by its Cloudflare name or its IBM CIS alias."""
    _check_profile(profile)
    dataset = _DATASETS.get(ALIASES.get(name, name))
    if dataset is None:
        known = [*_DATASETS, *ALIASES]
        raise UnknownDatasetError(f"unknown dataset {name!r}{_hint(name, known)} (known: {', '.join(known)})")
    if profile == Profile.IBM_CIS and dataset.ibm_name is None:
        raise UnknownDatasetError(f"dataset {name!r} is not offered by IBM CIS")
    return dataset
