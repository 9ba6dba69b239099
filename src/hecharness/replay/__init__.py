"""Resend a HAR capture to any HEC and compare its answers with the recorded ones."""

from hecharness.replay.diff import Difference, differences, table
from hecharness.replay.sender import Replayed, parse_speed, replay

__all__ = ["Difference", "Replayed", "differences", "parse_speed", "replay", "table"]
