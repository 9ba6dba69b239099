"""A Logpush job's output options, from either of the two forms jobs carry them in.

- ``output_options``, the structured object::

      {"field_names": ["RayID", "EdgeStartTimestamp"], "timestamp_format": "rfc3339",
       "sample_rate": 0.1, "CVE-2021-44228": true, "merge_subrequests": false}

- ``logpull_options``, the legacy query string::

      fields=RayID,EdgeStartTimestamp&timestamps=rfc3339&sample=0.1&CVE-2021-44228=true

Both parse to the same `OutputOptions`. `merge_subrequests` (http_requests only) folds Worker
subrequests into their parent's `Subrequests`; Cloudflare's sources put it in ``output_options``
or at the top level of the job, and `from_job` takes either (see `hecharness.logpush`). Anything Logpush would refuse raises `OutputOptionsError`
with a one-line message naming the key and the value. Field names are checked against a dataset
later (see `Dataset.select`), since the options themselves do not say which dataset they are for.
"""

from __future__ import annotations

import difflib
import urllib.parse
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from hecharness.generate.errors import OutputOptionsError
from hecharness.generate.render import TIMESTAMP_FORMATS, timestamp_format_error
from hecharness.generate.template import Template, parse_template

__all__ = ["OUTPUT_TYPES", "OutputOptions", "OutputType"]


class OutputType(StrEnum):
    """A job's `output_type`; each value is the wire string."""

    NDJSON = "ndjson"
    CSV = "csv"


OUTPUT_TYPES = tuple(member.value for member in OutputType)  # plain strings, as TIMESTAMP_FORMATS

# Defaults that depend on output_type, as Logpush documents them.
_TYPE_DEFAULTS = {
    OutputType.NDJSON: {"record_prefix": "{", "record_suffix": "}\n", "field_delimiter": ","},
    OutputType.CSV: {"record_prefix": "", "record_suffix": "\n", "field_delimiter": ","},
}

_STRING_KEYS = ("batch_prefix", "batch_suffix", "record_prefix", "record_suffix", "record_delimiter", "field_delimiter", "record_template")
_OBJECT_KEYS = ("field_names", "output_type", *_STRING_KEYS, "timestamp_format", "sample_rate", "CVE-2021-44228",
                "merge_subrequests")
_LOGPULL_KEYS = ("fields", "timestamps", "sample", "CVE-2021-44228")
# Go's strconv.ParseBool, which reads the CVE flag in logpull_options.
_GO_BOOLS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
             "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}


@dataclass(frozen=True)
class OutputOptions:
    """How a job selects and formats records. None means "the default for the output type"."""

    field_names: tuple[str, ...] | None = None
    output_type: str = "ndjson"
    batch_prefix: str = ""
    batch_suffix: str = ""
    record_prefix: str | None = None
    record_suffix: str | None = None
    record_delimiter: str = ""
    field_delimiter: str | None = None
    record_template: str | None = None
    timestamp_format: str = "unixnano"
    sample_rate: float = 1.0
    cve_2021_44228: bool = False
    merge_subrequests: bool = False

    def __post_init__(self) -> None:
        if self.field_names is not None:
            if isinstance(self.field_names, str) or not all(isinstance(n, str) for n in self.field_names):
                raise OutputOptionsError(f"field_names: expected a list of field names, got {self.field_names!r}")
            object.__setattr__(self, "field_names", tuple(self.field_names))
            if self.field_names == ("all",):
                object.__setattr__(self, "field_names", None)
            elif not self.field_names:
                raise OutputOptionsError("field_names: at least one field is required")
        if self.output_type not in OUTPUT_TYPES:
            raise OutputOptionsError(f"output_type: {self.output_type!r} is not one of {', '.join(OUTPUT_TYPES)}")
        if self.timestamp_format not in TIMESTAMP_FORMATS:
            raise OutputOptionsError(timestamp_format_error("timestamp_format", self.timestamp_format))
        for key in _STRING_KEYS:
            value = getattr(self, key)
            if value is not None and not isinstance(value, str):
                raise OutputOptionsError(f"{key}: expected a string, got {value!r}")
        check_sample_rate("sample_rate", self.sample_rate)
        if not isinstance(self.cve_2021_44228, bool):
            raise OutputOptionsError(f"CVE-2021-44228: expected true or false, got {self.cve_2021_44228!r}")
        if not isinstance(self.merge_subrequests, bool):
            raise OutputOptionsError(f"merge_subrequests: expected true or false, got {self.merge_subrequests!r}")
        if self.record_template is not None:
            parse_template(self.record_template)

    # -- the two wire forms -------------------------------------------------------------------

    @classmethod
    def from_output_options(cls, options: Mapping[str, Any]) -> OutputOptions:
        """Parse an ``output_options`` object; null values mean "default"."""
        if not isinstance(options, Mapping):
            raise OutputOptionsError(f"output_options: expected an object, got {options!r}")
        unknown = [key for key in options if key not in _OBJECT_KEYS]
        if unknown:
            raise OutputOptionsError(f"output_options: unknown key {unknown[0]!r}{_suggest(unknown[0], _OBJECT_KEYS)}")
        values = {("cve_2021_44228" if key == "CVE-2021-44228" else key): value for key, value in options.items() if value is not None}
        names = values.get("field_names")
        if names is not None and (isinstance(names, str) or not isinstance(names, (list, tuple))):
            raise OutputOptionsError(f"field_names: expected a list of field names, got {names!r}")
        return cls(**values)

    @classmethod
    def from_logpull(cls, query: str) -> OutputOptions:
        """Parse a ``logpull_options`` string such as ``fields=RayID,ClientIP&timestamps=rfc3339``."""
        if not isinstance(query, str):
            raise OutputOptionsError(f"logpull_options: expected a string, got {query!r}")
        seen: dict[str, str] = {}
        for piece in query.lstrip("?").split("&"):
            if not piece:
                continue
            raw_key, equals, raw_value = piece.partition("=")
            key, value = urllib.parse.unquote_plus(raw_key), urllib.parse.unquote_plus(raw_value)
            if not equals:
                raise OutputOptionsError(f"logpull_options: {piece!r} is not key=value")
            if key not in _LOGPULL_KEYS:
                raise OutputOptionsError(f"logpull_options: unknown parameter {key!r}{_suggest(key, _LOGPULL_KEYS)}")
            if key in seen and seen[key] != value:
                raise OutputOptionsError(f"logpull_options: {key} given twice ({seen[key]!r} and {value!r})")
            seen[key] = value
        values: dict[str, Any] = {}
        if "fields" in seen:
            names = [n.strip() for n in seen["fields"].split(",")]
            if not seen["fields"].strip() or any(not n for n in names):
                raise OutputOptionsError(f"fields: empty field name in {seen['fields']!r}")
            values["field_names"] = tuple(names)
        if "timestamps" in seen:
            if seen["timestamps"] not in TIMESTAMP_FORMATS:
                raise OutputOptionsError(timestamp_format_error("timestamps", seen["timestamps"]))
            values["timestamp_format"] = seen["timestamps"]
        if "sample" in seen:
            try:
                rate = float(seen["sample"])
            except ValueError:
                raise OutputOptionsError(f"sample: {seen['sample']!r} is not a number") from None
            if not 0 < rate <= 1:
                raise OutputOptionsError(f"sample: {seen['sample']!r} is out of range; it must be greater than 0 and at most 1")
            values["sample_rate"] = rate
        if "CVE-2021-44228" in seen:
            flag = _GO_BOOLS.get(seen["CVE-2021-44228"])
            if flag is None:
                raise OutputOptionsError(f"CVE-2021-44228: {seen['CVE-2021-44228']!r} is not true or false")
            values["cve_2021_44228"] = flag
        return cls(**values)

    @classmethod
    def parse(cls, options: OutputOptions | Mapping[str, Any] | str | None) -> OutputOptions:
        """Accept either form (a string is logpull_options, a mapping output_options), or None."""
        if options is None:
            return cls()
        if isinstance(options, OutputOptions):
            return options
        if isinstance(options, str):
            return cls.from_logpull(options)
        return cls.from_output_options(options)

    @classmethod
    def from_job(cls, job: Mapping[str, Any]) -> OutputOptions:
        """A job's effective options: ``output_options`` when present, else ``logpull_options``.

        A true top-level ``merge_subrequests`` turns merging on too, whichever form holds the rest.
        """
        if job.get("output_options") is not None:
            options = cls.from_output_options(job["output_options"])
        elif job.get("logpull_options"):
            options = cls.from_logpull(job["logpull_options"])
        else:
            options = cls()
        merge = job.get("merge_subrequests")
        if merge is None or merge is False:
            return options
        if merge is not True:
            raise OutputOptionsError(f"merge_subrequests: expected true or false, got {merge!r}")
        return replace(options, merge_subrequests=True)

    def to_output_options(self) -> dict[str, Any]:
        """The ``output_options`` object for these options, as a job would show it."""
        values = asdict(self)
        values["CVE-2021-44228"] = values.pop("cve_2021_44228")
        values["field_names"] = list(self.field_names) if self.field_names is not None else None
        return values

    # -- resolved values ---------------------------------------------------------------------

    def resolved(self, key: str) -> str:
        """record_prefix, record_suffix or field_delimiter, with the output type's default filled in."""
        value = getattr(self, key)
        return _TYPE_DEFAULTS[self.output_type][key] if value is None else value

    @property
    def template(self) -> Template | None:
        return None if self.record_template is None else parse_template(self.record_template)


def check_sample_rate(key: str, rate: Any) -> None:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)):
        raise OutputOptionsError(f"{key}: expected a number, got {rate!r}")
    if not 0 < rate <= 1:  # NaN fails the comparison too; math.isnan would overflow on a huge integer
        raise OutputOptionsError(f"{key}: {rate!r} is out of range; it must be greater than 0 and at most 1")


def _suggest(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
