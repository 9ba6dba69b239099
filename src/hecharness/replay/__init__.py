"""Resend a HAR capture to any HEC and compare its answers with the recorded ones."""

from pathlib import Path

from hecharness.replay.diff import Difference, differences, table
from hecharness.replay.sender import Replayed, parse_speed, replay

# Captures of a real Splunk's answers, built from measured facts: replayed against a HEC, they test
# how closely it answers like Splunk (docs/record-replay.md).
CAPTURES = Path(__file__).resolve().parent.parent / "captures"

__all__ = ["CAPTURES", "Difference", "Replayed", "differences", "parse_speed", "replay", "table"]
