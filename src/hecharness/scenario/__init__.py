"""Scenarios: a fake HEC, records, a sender and what must hold, run on the harness clock and judged.

    from hecharness.scenario import HEC, Logpush, Records, Scenario, expect

    scenario = Scenario(
        "long-outage",
        "The HEC resets every connection for ten minutes. Batches that fail five times over five minutes are dropped.",
        hec=HEC(faults=["reset window=0..600"]),
        records=Records(count=6000, rate=5),
        sender=Logpush(),
        expect=[
            expect.attempts_per_batch("dropped", count=(4, 6), spread=(240, 360)),
            expect.lost_matches_missing(),
        ],
    )

    result = run_scenario(scenario)            # one, in this process
    summary = run_many(load_directory(BUILTIN), workers=2)   # the built-in ones, with reports

    found = discover(BUILTIN, "my-scenarios")  # yours too; files that cannot load are kept apart
    run_many(found.scenarios, unloadable=found.unloadable)   # ...and reported as errors in their place

The sender is the built-in Logpush simulator (`Logpush`), the pre-flight check (`Preflight`), a
sender that polls for indexer acknowledgement (`AckPolling`), or any program (`Command`, see
`hecharness.scenario.command` for its environment variables).
"""

from hecharness.scenario import expect
from hecharness.scenario.ack_polling import AckPolling
from hecharness.scenario.bounds import Bound
from hecharness.scenario.command import ENVIRONMENT, Command
from hecharness.scenario.context import Run
from hecharness.scenario.definition import (
    DEFAULT_CHANNEL,
    DEFAULT_TOKEN,
    HEC,
    SPLUNK_DESTINATION,
    Action,
    At,
    Records,
    Scenario,
    add_fault,
    at,
    change_job,
    clear_faults,
    disable_job,
    enable_job,
    restart,
    switch_destination,
)
from hecharness.scenario.discovery import (
    BUILTIN,
    Catalog,
    NoScenarios,
    ScenarioFileError,
    ScenarioNotFound,
    Unloadable,
    discover,
    load_directory,
    load_file,
    select,
)
from hecharness.scenario.expect import Expectation, Verdict
from hecharness.scenario.logpush import Logpush
from hecharness.scenario.observation import Observation
from hecharness.scenario.preflight import Preflight
from hecharness.scenario.result import ScenarioOutcome, ScenarioResult
from hecharness.scenario.run import run_scenario
from hecharness.scenario.runner import RunInterrupted, RunSummary, run_many, write_reports
from hecharness.scenario.timeline import Timeline

__all__ = [
    "Scenario",
    "HEC",
    "Records",
    "Logpush",
    "Command",
    "Preflight",
    "AckPolling",
    "At",
    "Action",
    "at",
    "add_fault",
    "clear_faults",
    "restart",
    "enable_job",
    "disable_job",
    "change_job",
    "switch_destination",
    "expect",
    "Expectation",
    "Verdict",
    "Bound",
    "Observation",
    "Run",
    "run_scenario",
    "run_many",
    "write_reports",
    "RunSummary",
    "RunInterrupted",
    "ScenarioResult",
    "ScenarioOutcome",
    "Timeline",
    "BUILTIN",
    "discover",
    "Catalog",
    "Unloadable",
    "load_directory",
    "load_file",
    "select",
    "ScenarioNotFound",
    "ScenarioFileError",
    "NoScenarios",
    "ENVIRONMENT",
    "SPLUNK_DESTINATION",
    "DEFAULT_TOKEN",
    "DEFAULT_CHANNEL",
]
