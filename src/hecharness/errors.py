"""The root of the errors hecharness raises on purpose.

Every error a user can meet through the public API or the command line derives from `HecHarnessError`, so one
`except HecHarnessError` catches what hecharness means to say and lets real bugs through as tracebacks. Each
error also keeps the built-in base its callers already catch (`ValueError`, `LookupError`...).
"""

from __future__ import annotations

__all__ = ["HecHarnessError", "InvalidArgument"]


class HecHarnessError(Exception):
    """Something hecharness refuses or cannot do, with a message meant to be shown to a person as it is."""


class InvalidArgument(HecHarnessError, ValueError):
    """An argument, setting or file that hecharness cannot use; the message names it and what would do."""
