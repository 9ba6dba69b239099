"""insecure-skip-verify=true gets a job through certificates that would otherwise fail validation.

FAQ: "This flag, if set to true, makes an insecure connection to Splunk. Setting this value to
true is equivalent to using the -k option with curl [...] and is not recommended. [...] This flag
is only here for those rare scenarios when it is not possible to have access or permissions to fix
the certificates, like with the Splunk cloud instances."

The same self-signed and Splunk-default certificates that `validation-*` shows refused: with the
flag, the job is created and every record arrives.
"""

from hecharness.scenario import HEC, Logpush, Records, Scenario, expect

INSECURE = (
    "splunk://{host}:{port}/services/collector/raw?channel={channel}&insecure-skip-verify=true"
    "&sourcetype=cloudflare:json&header_Authorization=Splunk%20{token}"
)


def gets_through(tls: str, story: str) -> Scenario:
    return Scenario(
        f"insecure-skip-verify-{tls}",
        story,
        hec=HEC(tls=tls),
        records=Records(count=300, rate=10),
        sender=Logpush(destination=INSECURE),
        expect=[expect.accepted(), expect.delivered("all"), expect.duplicated(0)],
    )


scenarios = [
    gets_through("self-signed", "With insecure-skip-verify=true a self-signed HEC takes the job and every record."),
    gets_through("splunk-default", "With insecure-skip-verify=true a HEC on Splunk's default certificate takes the job and every record."),
]
