"""The pre-flight check passes on a good HEC and names the cause on each bad one.

FAQ: "How can I verify that my Splunk HEC is working correctly before setting up a job? Ensure that
you can publish events to your Splunk instance through curl without the -k flag and with the
insecure-skip-verify parameter set to false." `hecharness preflight` runs that test a step at a
time. Each scenario points it at a fake HEC with one problem and checks the failure class it
reports, and the cause in words a Splunk admin can act on.
"""

from hecharness.scenario import HEC, Preflight, Scenario, expect

GOOD = "splunk://{host}:{port}/services/collector/raw?channel={channel}&sourcetype=cloudflare:json&header_Authorization=Splunk%20{token}"


def check(name: str, story: str, verdict, hec: HEC | None = None, destination: str = GOOD) -> Scenario:
    return Scenario(f"preflight-{name}", story, hec=hec or HEC(), sender=Preflight(destination=destination), expect=[verdict])


scenarios = [
    check("good-hec", "On a good HEC every step passes and the sample record is taken.", expect.preflight(ok=True)),
    check(
        "certificate-name",
        "A certificate for another name fails with the FAQ's x509 wording.",
        expect.preflight(ok=False, failure="hostname-mismatch", cause="certificate is valid for SplunkServerDefaultCert, not localhost"),
        hec=HEC(tls="mismatched-name"),
    ),
    check(
        "self-signed",
        "A self-signed certificate is named as untrusted.",
        expect.preflight(ok=False, failure="untrusted-certificate", cause="self-signed"),
        hec=HEC(tls="self-signed"),
    ),
    check(
        "splunk-default-certificate",
        "Splunk's default certificate fails on its name first, as Go (and so Logpush) reports it.",
        expect.preflight(ok=False, failure="hostname-mismatch", cause="SplunkServerDefaultCert"),
        hec=HEC(tls="splunk-default"),
    ),
    check(
        "expired",
        "An expired certificate is named, with its date.",
        expect.preflight(ok=False, failure="expired-certificate", cause="expired on 2020-01-01"),
        hec=HEC(tls="expired"),
    ),
    check(
        "plain-http",
        "A HEC without TLS on the port is named: the handshake meets plain HTTP.",
        expect.preflight(ok=False, failure="tls-handshake", cause="not TLS"),
        hec=HEC(tls="plain"),
    ),
    check(
        "bad-token",
        "An unknown token is named with HEC's own answer.",
        expect.preflight(ok=False, failure="token"),
        destination=GOOD.replace("{token}", "11111111-2222-3333-4444-555555555555"),
    ),
    check(
        "busy",
        "A busy HEC (503, code 9) is named, with Logpush's retry-then-drop consequence.",
        expect.preflight(ok=False, failure="busy"),
        hec=HEC(faults=["error:9 path=raw"]),
    ),
    check(
        "not-raw-endpoint",
        "A destination on the /event endpoint breaks Logpush's rules before anything is sent.",
        expect.preflight(ok=False, failure="destination", cause="raw endpoint"),
        destination=GOOD.replace("/services/collector/raw", "/services/collector/event"),
    ),
]
