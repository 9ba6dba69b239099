"""Splunk validation failures: each bad destination is refused when the job is created, with its cause.

FAQ: "Why am I receiving a validating destination error while setting up a Splunk job? [...] The
Splunk endpoint URL is not correct. Cloudflare only supports Splunk HEC raw endpoint over HTTPS.
The Splunk authentication token is not correct. Be sure to URL-encode the token. [...] The
certificate for Splunk Server is not properly configured [...] `x509: certificate is valid for
SplunkServerDefaultCert, not <YOUR_INSTANCE>.splunkcloud.com.`" And: "Cloudflare expects the HEC
network port to be configured to :443 or :8088."

One scenario per cause. Rule breaks (endpoint, scheme, token encoding, port) are refused before
anything is sent; the others fail Logpush's validation push to the HEC. Logpush trusts public CAs
only: here the hecharness test CA stands in for them, so Splunk's own CA and self-signed
certificates are not trusted. Nothing reaches the HEC but the refused probe.
"""

from hecharness.scenario import HEC, Logpush, Scenario, expect

GOOD = "splunk://{host}:{port}/services/collector/raw?channel={channel}&sourcetype=cloudflare:json&header_Authorization=Splunk%20{token}"


def refused(name: str, story: str, *causes: str, hec: HEC | None = None, **sender) -> Scenario:
    return Scenario(
        f"validation-{name}",
        story,
        hec=hec or HEC(),
        sender=Logpush(**sender),
        expect=[expect.refused(*causes), expect.nothing_delivered()],
    )


scenarios = [
    refused(
        "not-raw-endpoint",
        "A destination on HEC's /event endpoint is refused: Logpush only sends to the raw endpoint.",
        "only sends to the raw endpoint",
        destination=GOOD.replace("/services/collector/raw", "/services/collector/event"),
    ),
    refused(
        "not-https",
        "An http:// destination is refused: Logpush only delivers over HTTPS.",
        "scheme 'http' is not allowed",
        destination=GOOD.replace("splunk://", "http://"),
    ),
    refused(
        "token-not-url-encoded",
        "A token written with a raw space ('Splunk <token>') is refused: it must be URL-encoded as Splunk%20<token>.",
        "is not URL-encoded",
        destination=GOOD.replace("Splunk%20", "Splunk "),
    ),
    refused(
        "bad-token",
        "A token HEC does not know fails the validation push with HEC's 403 'Invalid token'.",
        "error validating destination",
        "HTTP 403",
        "Invalid token",
        destination=GOOD.replace("{token}", "11111111-2222-3333-4444-555555555555"),
    ),
    refused(
        "port",
        "A HEC on a port other than 443 or 8088 is refused.",
        "is not allowed: Logpush expects the HEC port to be 443 or 8088",
        any_port=False,
    ),
    refused(
        "certificate-name",
        "A certificate issued for SplunkServerDefaultCert fails validation with the FAQ's x509 error.",
        "error validating destination",
        "certificate is valid for SplunkServerDefaultCert, not localhost",
        hec=HEC(tls="mismatched-name"),
    ),
    refused(
        "self-signed",
        "A self-signed certificate fails validation: Logpush trusts public CAs only.",
        "error validating destination",
        "self-signed",
        hec=HEC(tls="self-signed"),
    ),
    refused(
        "splunk-default-certificate",
        "Splunk's default certificate fails validation: its name is SplunkServerDefaultCert and its CA is Splunk's own.",
        "error validating destination",
        "certificate is valid for SplunkServerDefaultCert",
        hec=HEC(tls="splunk-default"),
    ),
]
