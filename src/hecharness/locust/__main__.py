"""`python -m hecharness.locust` prints the path of the shipped locustfile, for `locust -f`."""

from pathlib import Path

print(Path(__file__).with_name("locustfile.py"))
