"""A recording proxy: senders talk to it instead of Splunk, and it writes what passed as HAR."""

from hecharness.record.proxy import RecordingProxy

__all__ = ["RecordingProxy"]
