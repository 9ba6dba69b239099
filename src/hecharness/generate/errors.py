"""The errors the generator raises. Each message is one line that names the bad key or value."""

from __future__ import annotations

from hecharness.errors import HecHarnessError

__all__ = ["GenerateError", "OutputOptionsError", "UnknownDatasetError"]


class GenerateError(HecHarnessError, ValueError):
    """Bad input to the record generator."""


class OutputOptionsError(GenerateError):
    """A Logpush output option (or logpull_options parameter) that Logpush would refuse."""


class UnknownDatasetError(GenerateError):
    """A dataset name we do not generate, or one the chosen profile does not offer."""
