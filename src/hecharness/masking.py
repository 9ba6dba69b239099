"""Token masking: one rule for every log line, journal export, report and printed destination."""

from __future__ import annotations

__all__ = ["mask_token", "mask_authorization"]

_VISIBLE = 4


def mask_token(token: str) -> str:
    """Keep the first four characters, enough to tell tokens apart, and hide the rest.

    >>> mask_token("9c5c5c1e-9c33-4c3b-9a4e-6f2b1c9e8d7a")
    '9c5c****'
    """
    if len(token) <= _VISIBLE:
        return "*" * len(token)
    return token[:_VISIBLE] + "****"


def mask_authorization(value: str) -> str:
    """Mask the credential in an Authorization header value, keeping its scheme readable."""
    scheme, sep, credential = value.strip().partition(" ")
    if not sep:
        return mask_token(value)
    return f"{scheme} {mask_token(credential.strip())}"
