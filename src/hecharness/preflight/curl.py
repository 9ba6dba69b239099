"""The curl command that sends the same request as the check, for users to run and paste into tickets."""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from hecharness.masking import mask_authorization, mask_token
from hecharness.preflight.answers import SAMPLE_RECORD

__all__ = ["curl_command"]

_SECRET_WORDS = ("authorization", "token", "key", "secret", "password")


def curl_command(
    url: str,
    headers: Mapping[str, str],
    *,
    cafile: str | None = None,
    insecure: bool = False,
    show_token: bool = False,
) -> str:
    """`curl URL -H ... -d RECORD`, one option a line; secrets masked unless `show_token`."""
    options: list[str] = []
    for name, value in headers.items():
        if not show_token and any(word in name.lower() for word in _SECRET_WORDS):
            value = mask_authorization(value) if name.lower() == "authorization" else mask_token(value)
        options.append(f"-H {shlex.quote(f'{name}: {value}')}")
    if cafile is not None:
        options.append(f"--cacert {shlex.quote(cafile)}")
    if insecure:
        # The FAQ's point is to succeed *without* -k; it is here only because the check ran without verifying.
        options.append("-k")
    options.append(f"-d {shlex.quote(SAMPLE_RECORD.decode())}")
    return " \\\n  ".join([f"curl {shlex.quote(url)}", *options])
