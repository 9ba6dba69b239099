"""Which indexes the server has, and which of them a token may write to.

Splunk answers `400 {"text":"Incorrect index","code":7,"invalid-event-number":N}` both for an
index the token's `indexes` list leaves out and for an index the server does not have. A server
has Splunk's own indexes plus those its configuration names: the `indexes` setting, and each
token's `default_index` and `indexes` (naming an index there means it was created). `"*"` in the
`indexes` setting says every index exists, for users who do not care which.

Splunk's internal indexes (`_internal`, `_audit`...) exist on every server, but a token writes to
one only when its `indexes` list names it; an empty list ("any index") means any index but those.
"""

from __future__ import annotations

from collections.abc import Iterable

from hecharness.hec.tokens import Token

__all__ = ["SPLUNK_INDEXES", "INTERNAL_INDEXES", "ANY_INDEX", "Indexes"]

# The event indexes a fresh Splunk Enterprise has (indexes.conf in system/default).
SPLUNK_INDEXES = frozenset({"main", "history", "summary"})
INTERNAL_INDEXES = frozenset(
    {
        "_internal",
        "_audit",
        "_introspection",
        "_telemetry",
        "_thefishbucket",
        "_metrics",
        "_metrics_rollup",
        "_configtracker",
        "_dsappevent",
        "_dsclient",
        "_dsphonehome",
    }
)
ANY_INDEX = "*"


class Indexes:
    """The server's indexes: Splunk's, the configured ones, and those the tokens name."""

    def __init__(self, configured: Iterable[str], tokens: Iterable[Token], every: bool = False) -> None:
        configured = tuple(configured)
        self.every = every  # no check at all, not even the token's list (a receiver that cannot know)
        self.any = ANY_INDEX in configured
        self.names = SPLUNK_INDEXES.union(
            configured,
            *((token.default_index, *token.indexes) for token in tokens),
        ) - {ANY_INDEX}

    def allow(self, token: Token, index: str) -> bool:
        """Whether `token` may write an event to `index` on this server."""
        if self.every:
            return True
        if token.indexes:
            return index in token.indexes
        if index in INTERNAL_INDEXES:
            return False
        return self.any or index in self.names
