"""The locustfile hecharness ships: `locust -f "$(python -m hecharness.locust)" ...` runs `LogpushUser`."""

from hecharness.locust.user import LogpushUser

__all__ = ["LogpushUser"]
