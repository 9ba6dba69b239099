"""`check()`: the FAQ's curl test, one step at a time, stopping at the first thing that would stop Logpush."""

from __future__ import annotations

import os
import ssl

import httpx

from hecharness.destination import Destination
from hecharness.errors import InvalidArgument
from hecharness.preflight.answers import HEALTH_PATH, SAMPLE_RECORD, Answer, judge_health, judge_post, send
from hecharness.preflight.certificate import CertificateFacts, diagnose
from hecharness.preflight.failures import Diagnosis, StepFailed
from hecharness.preflight.handshake import inspect_tls, trust_context
from hecharness.preflight.network import connect, resolve
from hecharness.preflight.result import PreflightResult, StepLog, StepName
from hecharness.preflight.target import Target, is_destination_conf, read_target

__all__ = ["check", "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 10.0


def check(
    destination_or_url: str | Destination,
    *,
    token: str | None = None,
    channel: str | None = None,
    sourcetype: str | None = None,
    cafile: str | os.PathLike[str] | None = None,
    insecure: bool = False,
    any_port: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    sample: bytes = SAMPLE_RECORD,
) -> PreflightResult:
    """Check that a HEC would take Logpush's pushes, and say exactly what is wrong if not.

    `destination_or_url` is a Logpush `splunk://...` destination_conf (or a parsed `Destination`),
    or an `https://HOST[:PORT]/services/collector/raw` URL with `token`, optionally `channel` and
    `sourcetype` (`cloudflare:json` unless the URL names one). `cafile` replaces the system's trusted
    CAs, as `curl --cacert` does. `insecure` reports certificate problems without failing on them,
    like `insecure-skip-verify=true`. A Splunk port other than 443 or 8088 is a warning citing the FAQ's rule;
    `any_port` silences it. `timeout` bounds
    each network operation, in seconds. `sample` replaces the FAQ's record (a marked one, to search for).

    Network failures never raise: they are the result. `ValueError` means the arguments themselves
    are wrong (options that do not go with a destination_conf, an unreadable `cafile`).
    """
    if is_destination_conf(destination_or_url):
        given = [name for name, value in (("token", token), ("channel", channel), ("sourcetype", sourcetype)) if value is not None]
        if given:
            raise InvalidArgument(
                f"{', '.join(given)} cannot be combined with a splunk:// destination, which carries its own; "
                "they go with the URL form"
            )
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise InvalidArgument(f"timeout must be a number of seconds above 0, got {timeout!r}")
    ca = None if cafile is None else os.fspath(cafile)
    chain_trust = trust_context(ca, check_hostname=False)  # first, so a bad cafile is refused before any step
    trust_name = "the system's trusted CAs" if ca is None else f"the CAs in {ca}"
    cafile_hint = "pass it as --cacert CA.pem (cafile= in Python)"

    log = StepLog()
    target: Target | None = None
    facts: CertificateFacts | None = None
    health: Answer | None = None
    answer: Answer | None = None
    warnings: list[str] = []
    diagnosis: Diagnosis | None = None
    try:
        with log.run(StepName.DESTINATION) as details:
            target = read_target(
                destination_or_url, token=token, channel=channel, sourcetype=sourcetype, insecure=insecure, any_port=any_port
            )
            details.extend(target.notes)
            details.append(f"POST {target.request_url}")
            warnings.extend(target.warnings)

        with log.run(StepName.RESOLVE) as details:
            addresses = resolve(target.host, target.port, timeout)
            details.append(", ".join(str(address) for address in addresses))

        with log.run(StepName.CONNECT) as details:
            sock, address, notes = connect(addresses, target.host, target.port, timeout)
            details.extend(notes)
            details.append(f"connected to {address}:{target.port}")

        with log.run(StepName.TLS) as details:
            facts = inspect_tls(
                sock, address, target.host, target.port, trust=chain_trust, trust_name=trust_name, timeout=timeout
            )
            details.append(f"{facts.tls_version}, {facts.cipher}")
            if facts.client_cert_requested:
                details.append("the server asks for a client certificate; Logpush sends none")
            problem = diagnose(facts, target.host, cafile_hint=cafile_hint)
            failed_checks = [name for name in ("dates", "hostname", "chain") if not getattr(facts, name).ok]
            if problem is not None and not target.insecure:
                raise StepFailed(problem.failure, problem.cause, problem.fix, [f"failed checks: {', '.join(failed_checks)}"])
            if problem is not None:
                warnings.append(f"the certificate would fail verification ({problem.failure}): {problem.cause}")
            details.append("certificate verifies" if problem is None else "certificate not verified (insecure)")

        # Loading the system's CAs takes tens of milliseconds: only when the HTTP steps will verify.
        verify: ssl.SSLContext | bool = False if target.insecure else trust_context(ca)
        asked = facts.client_cert_requested
        with httpx.Client(verify=verify, trust_env=False, timeout=timeout, follow_redirects=False) as client:
            with log.run(StepName.HEALTH) as details:
                request = client.build_request("GET", target.base_url + HEALTH_PATH)
                health = send(client, request, what="the health request", timeout=timeout, client_cert_requested=asked)
                found, advice = judge_health(health)
                details.extend(found)
                warnings.extend(advice)

            with log.run(StepName.POST) as details:
                request = client.build_request("POST", target.request_url, headers=target.headers, content=sample)
                answer = send(client, request, what="the sample record", timeout=timeout, client_cert_requested=asked)
                found, advice = judge_post(answer, token=target.token, channel_sent=target.channel_sent)
                details.extend(found)
                warnings.extend(advice)
    except StepFailed as failed:
        diagnosis = failed.diagnosis

    return PreflightResult(
        steps=log.finished(),
        diagnosis=diagnosis,
        target=target,
        certificate=facts,
        health=health,
        answer=answer,
        warnings=tuple(warnings),
        cafile=ca,
    )

