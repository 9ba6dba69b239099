"""Pre-flight check: the Logpush FAQ's curl test as one call that says what is wrong and how to fix it.

    from hecharness.preflight import check

    result = check("splunk://hec.example.com:8088/services/collector/raw?channel=...&header_Authorization=Splunk%20...")
    result = check("https://hec.example.com:8088/services/collector/raw", token="...", cafile="ca.pem")
    if not result.ok:
        print(result.failure, result.cause, result.fix, sep="\n")
    print(result.curl)          # the same request with curl, token masked

Steps: lint the destination with Logpush's rules, resolve, connect, TLS handshake (certificate facts
and the three checks), GET /services/collector/health, then POST the FAQ's sample record to the raw
endpoint and expect `{"text":"Success","code":0}`. Each failure class has its own exit code
(`FAILURE_CLASSES`).
"""

from hecharness.preflight.answers import HEALTH_PATH, SAMPLE_RECORD, Answer
from hecharness.preflight.certificate import CertificateFacts, Check
from hecharness.preflight.checking import DEFAULT_TIMEOUT, check
from hecharness.preflight.failures import FAILURE_CLASSES, Diagnosis, FailureClass, by_name
from hecharness.preflight.result import STEPS, PreflightResult, Step, StepName, StepOutcome

__all__ = [
    "check",
    "PreflightResult",
    "Step",
    "StepName",
    "StepOutcome",
    "STEPS",
    "Diagnosis",
    "FailureClass",
    "FAILURE_CLASSES",
    "by_name",
    "CertificateFacts",
    "Check",
    "Answer",
    "SAMPLE_RECORD",
    "HEALTH_PATH",
    "DEFAULT_TIMEOUT",
]
