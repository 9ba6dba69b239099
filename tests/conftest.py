"""Shared fixtures for the project's own tests (the user-facing plugin lives in hecharness.pytest_plugin)."""
