"""Any sender, not just Logpush: a program gets the fake HEC through its environment and is judged the same way.

The harness starts the fake HEC, writes the records to $HEC_RECORDS_FILE and runs the command with
$HEC_URL, $HEC_RAW_URL, $HEC_TOKEN, $HEC_CHANNEL, $HEC_CA_BUNDLE and more set (see docs/scenarios.md,
"Your own sender"). Then it accounts for every record at the HEC. Put your own Vector, Fluent Bit or
forwarder command here to check its configuration against the same faults.

- `external-curl`: the FAQ's own check, curl without -k, posting the whole records file.
- `external-sender`: a small Python forwarder (hecharness.scenario.example_sender) against a HEC
  that is busy for its first two requests: it must retry them and deliver everything once.
"""

from hecharness.scenario import HEC, Command, Records, Scenario, expect

CURL = (
    'curl -sS --fail-with-body --cacert "$HEC_CA_BUNDLE" -H "Authorization: Splunk $HEC_TOKEN" '
    '--data-binary @"$HEC_RECORDS_FILE" "$HEC_RAW_URL?channel=$HEC_CHANNEL&sourcetype=$HEC_SOURCETYPE"'
)

scenarios = [
    Scenario(
        "external-curl",
        "curl, as the FAQ's check runs it (no -k), posts the records file and HEC takes every record once.",
        hec=HEC(),
        records=Records(count=200, rate=100),
        sender=Command(CURL, timeout=20),
        expect=[
            expect.exit_code(0),
            expect.delivered("all"),
            expect.duplicated(0),
            expect.sourcetype("cloudflare:json"),
            expect.timestamps("rfc3339"),
        ],
    ),
    Scenario(
        "external-sender",
        "A forwarder facing two busy answers (503/9) retries them and delivers every record exactly once.",
        hec=HEC(faults=["error:9 first=2 name=busy"]),
        records=Records(count=2000, rate=100),
        sender=Command(["python", "-m", "hecharness.scenario.example_sender", "--batch", "500"], timeout=30),
        expect=[
            expect.exit_code(0),
            expect.answers(2, status=503, code=9),
            expect.delivered("all"),
            expect.duplicated(0),
            expect.compressed(at_least=3),
        ],
    ),
]
