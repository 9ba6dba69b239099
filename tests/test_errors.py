"""Every error hecharness raises on purpose shares one root, so `except HecHarnessError` catches them all."""

import importlib
import inspect
import pkgutil

import hecharness
from hecharness.errors import HecHarnessError

# Control flow that never leaves the code that raises it (each class says so in a comment): a user never meets it.
INTERNAL = {
    "hecharness.cli.scenario.BadUsage",
    "hecharness.hec.admin.BadRequest",
    "hecharness.hec.body.TooLarge",
    "hecharness.hec.body.UnsupportedEncoding",
    "hecharness.hec.body.UnsupportedTransferCoding",
    "hecharness.hec.tokens.Rejected",
    "hecharness.preflight.failures.StepFailed",
}


GEVENT_PATCHING = {"hecharness.locust.user", "hecharness.locust.locustfile"}


def _exception_classes() -> dict[str, type[Exception]]:
    found = {}
    for module_info in pkgutil.walk_packages(hecharness.__path__, "hecharness."):
        # hecharness.locust.user and its locustfile import Locust, which monkey-patches this very process for gevent.
        if module_info.name.endswith(".__main__") or module_info.name in GEVENT_PATCHING:
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            # Exception only: RunInterrupted is a KeyboardInterrupt, which `except Exception` must not swallow.
            if inspect.isclass(value) and issubclass(value, Exception) and value.__module__ == module.__name__:
                if not name.startswith("_"):
                    found[f"{module.__name__}.{name}"] = value
    return found


def test_every_public_exception_derives_from_hecharness_error():
    classes = _exception_classes()
    assert len(classes) >= 20, sorted(classes)  # the walk reached the subpackages
    strays = sorted(name for name, cls in classes.items() if name not in INTERNAL and not issubclass(cls, HecHarnessError))
    assert strays == []


def test_the_internal_exceptions_still_exist_and_stay_outside_the_root():
    classes = _exception_classes()
    assert INTERNAL <= set(classes)
    assert [name for name in sorted(INTERNAL) if issubclass(classes[name], HecHarnessError)] == []


def test_each_error_keeps_the_builtin_base_its_callers_catch():
    from hecharness.generate import GenerateError
    from hecharness.hec.journal import JournalTruncated
    from hecharness.hec.server import ServerError
    from hecharness.logpush import DestinationError, JobError
    from hecharness.scenario.discovery import NoScenarios, ScenarioNotFound

    assert issubclass(JobError, ValueError) and issubclass(DestinationError, ValueError)
    assert issubclass(GenerateError, ValueError)
    assert issubclass(ServerError, RuntimeError) and issubclass(JournalTruncated, RuntimeError)
    assert issubclass(ScenarioNotFound, LookupError) and issubclass(NoScenarios, FileNotFoundError)
