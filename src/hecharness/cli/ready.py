"""Ready files: how `serve` and `record` tell another process they listen, and where.

Written once the listener is up, atomically (readers never see half a file) and private to the user,
since a ready file may hand over tokens in full; removed on the way out, but only if this process
wrote it, as another server may have taken the name over since.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["write_ready_file", "remove_ready_file"]


def write_ready_file(path: Path, data: dict[str, Any]) -> None:
    """Write `data` and this process's pid to `path`, readable by the user only."""
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({**data, "pid": os.getpid()}, handle, indent=2)
    os.replace(temporary, path)


def remove_ready_file(path: Path) -> None:
    """Remove `path` if this process wrote it."""
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass
