"""Shared fixtures for the project's own tests (the user-facing plugin lives in hecharness.pytest_plugin)."""

from __future__ import annotations

import signal


def pytest_configure() -> None:
    # A shell starts background jobs with SIGINT ignored, and an ignored signal stays ignored across
    # exec: the commands the Ctrl-C tests start would never see their SIGINT and run on. A handler
    # is reset to the default on exec, so installing Python's own gives every child a live SIGINT.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
