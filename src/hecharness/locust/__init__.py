"""Logpush-shaped load from many machines through Locust, ending with sent = received.

    locust -f "$(python -m hecharness.locust)" --headless --master --expect-workers 2 \\
        --destination-conf 'splunk://hec.example:8088/services/collector/raw?channel=...&header_Authorization=Splunk%20<token>' \\
        --hec-admin http://hec.example:9000 --users 8 --run-time 10m

`LogpushUser` (in `hecharness.locust.user`) posts gzipped batches of the generator's records to any
HEC. Each worker sends its own slice of records (`hecharness.logpush.slices`), reports what it sent in
a few numbers (`tally`), and the master accounts for them against the fakes' admin APIs. See
docs/locust.md. Only `user` imports Locust, which patches the process for gevent; the rest is plain.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["LogpushUser"]


def __getattr__(name: str) -> Any:
    # Lazily, so that reading options or tallies does not monkey-patch the importing process.
    if name == "LogpushUser":
        return importlib.import_module("hecharness.locust.user").LogpushUser
    raise AttributeError(f"module 'hecharness.locust' has no attribute {name!r}")
