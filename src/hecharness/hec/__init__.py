"""The fake Splunk HTTP Event Collector: routes, answers, tokens, acks and the journal."""

from hecharness.hec.accounting import DeliveryReport
from hecharness.hec.batches import Event
from hecharness.hec.batches import RequestRecord
from hecharness.hec.journal import Journal, JournalTruncated
from hecharness.hec.server import FakeHEC
from hecharness.hec.settings import Flavor, Health, HECSettings, RawSplit, SettingsError
from hecharness.hec.tokens import Token, TokenStore

__all__ = [
    "FakeHEC",
    "HECSettings",
    "Flavor",
    "Health",
    "RawSplit",
    "SettingsError",
    "Token",
    "TokenStore",
    "Journal",
    "Event",
    "RequestRecord",
    "DeliveryReport",
    "JournalTruncated",
]
