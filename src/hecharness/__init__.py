"""hecharness: a fake Splunk HTTP Event Collector and a harness for testing what is sent to it."""

__version__ = "0.1.0"
