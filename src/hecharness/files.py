"""Reading the user's files (configs, plans) with an error that names the file and what is wrong."""

from __future__ import annotations

from pathlib import Path

from hecharness.errors import InvalidArgument

__all__ = ["read_text"]


def read_text(path: str | Path, what: str) -> str:
    """The UTF-8 text of `path`; `ValueError` with a one-line reason if it cannot be had."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidArgument(f"cannot read {what} {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise InvalidArgument(f"{what} {path} is not UTF-8 text") from None
