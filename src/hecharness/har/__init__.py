"""HAR 1.2, the capture format of `record`, `replay` and the journal's export.

HAR is what browsers' devtools, mitmproxy and Charles read; what only HEC has (the HEC code, events
counted, ack ids) rides in HAR's `_`-prefixed custom fields, which those tools ignore.
"""

from hecharness.har.answers import Answer
from hecharness.har.reader import CaptureError, Recorded, load_capture, read_capture
from hecharness.har.writer import archive, entry

__all__ = ["Answer", "CaptureError", "Recorded", "archive", "entry", "load_capture", "read_capture"]
