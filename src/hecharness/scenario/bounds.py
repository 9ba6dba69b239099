"""What an expectation allows: exactly 5, 4..6, at least 1, at most 0, or "all" of the records sent.

    Bound.parse(5).describe()                  # "5"
    Bound.parse((4, 6), unit="s").describe()   # "4..6 s"
    Bound.parse(at_least=1).holds(3)           # True
    Bound.parse("all").resolve(1200)           # exactly 1200, described as "all (1,200)"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Bound", "ALL", "number"]

ALL = "all"
Limit = float | str | None  # a number, "all" (the records sent), or no limit


@dataclass(frozen=True)
class Bound:
    low: Limit = None
    high: Limit = None
    unit: str = ""
    total: int | None = None  # what "all" stood for, once resolved

    @classmethod
    def parse(
        cls,
        value: Any = None,
        *,
        at_least: Limit = None,
        at_most: Limit = None,
        unit: str = "",
    ) -> Bound:
        """`value` is a number or "all" (exactly), or a (low, high) pair; or give `at_least`/`at_most`."""
        if value is not None and (at_least is not None or at_most is not None):
            raise ValueError("give a value or at_least/at_most, not both")
        if isinstance(value, tuple | list):
            if len(value) != 2:
                raise ValueError(f"a range is a (low, high) pair, got {value!r}")
            low, high = value
        elif value is not None:
            low = high = value
        else:
            low, high = at_least, at_most
        if low is None and high is None:
            raise ValueError("a bound needs a value, a (low, high) range, at_least or at_most")
        for limit in (low, high):
            if limit is not None and limit != ALL and (isinstance(limit, bool) or not isinstance(limit, int | float)):
                raise ValueError(f"a bound is a number or {ALL!r}, got {limit!r}")
        if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
            raise ValueError(f"the range {low}..{high} is empty")
        return cls(low, high, unit)

    def resolve(self, total: int) -> Bound:
        """Replace "all" with the number of records sent."""
        low = total if self.low == ALL else self.low
        high = total if self.high == ALL else self.high
        uses_all = ALL in (self.low, self.high)
        return Bound(low, high, self.unit, total if uses_all else None)

    def holds(self, value: float) -> bool:
        if ALL in (self.low, self.high):
            raise ValueError("resolve 'all' before judging")
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)  # type: ignore[operator]

    def describe(self) -> str:
        unit = "" if not self.unit else self.unit if self.unit == "x" else f" {self.unit}"
        if self.total is not None and self.low == self.high:
            return f"all ({number(self.total)}){unit}"
        if self.low is not None and self.low == self.high:
            return f"{number(self.low)}{unit}"
        if self.low is not None and self.high is not None:
            return f"{number(self.low)}..{number(self.high)}{unit}"
        if self.low is not None:
            return f"at least {number(self.low)}{unit}"
        return f"at most {number(self.high)}{unit}"

    def __str__(self) -> str:
        return self.describe()


def number(value: Any) -> str:
    """1234567 -> "1,234,567"; 2.5 -> "2.5"; 20.0 -> "20"."""
    if isinstance(value, float):
        if value.is_integer():
            return f"{int(value):,}"
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}".rstrip("0")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
