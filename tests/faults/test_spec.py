"""Fault specs from strings, objects and plan files; a clear error for each mistake."""

from __future__ import annotations

import json
import random

import pytest

from hecharness import codes
from hecharness.faults import (
    AckFault,
    AckMode,
    Close,
    Delay,
    FaultSpecError,
    Hang,
    Partial,
    Pass,
    Reply,
    Reset,
    SlowBody,
    TLSAbort,
    WindowOrigin,
    load_plan,
    parse_action,
    parse_fault,
)


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("error:9", Reply(code=codes.SERVER_BUSY, invalid_event_number=0)),
        ("error:8", Reply(code=codes.INTERNAL_SERVER_ERROR)),
        ("status:502", Reply(status=502, body=b"")),
        ("partial:5", Partial(5)),
        ("delay:2", Delay(2.0)),
        ("delay:500ms", Delay(0.5)),
        ("delay:1..3", Delay(1.0, high=3.0)),
        ("delay:normal:2,0.5", Delay(2.0, spread=0.5)),
        ("slow-body:10s", SlowBody(10.0)),
        ("reset", Reset()),
        ("reset:after-body", Reset(after_body=True)),
        ("close", Close()),
        ("hang", Hang(60.0)),
        ("hang:5m", Hang(300.0)),
        ("tls-abort", TLSAbort()),
        ("ack:never", AckFault("never")),
        ("ack:lost", AckFault("lost")),
        ("ack:30", AckFault("delay", 30.0)),
        ("ok", Pass()),
    ],
)
def test_every_action_parses_and_prints_back(text, action):
    parsed = parse_action(text)
    assert parsed == action
    assert parse_action(str(parsed)) == parsed


def test_spec_with_scope_and_schedule():
    fault = parse_fault("error:9 first=3 path=raw token=logpush channel=abc sourcetype=cf header=X-Fault:busy")
    assert (fault.first, fault.path, fault.token, fault.channel, fault.sourcetype, fault.header) == (
        3,
        "raw",
        "logpush",
        "abc",
        "cf",
        ("X-Fault", "busy"),
    )
    assert str(fault) == "error:9 first=3 path=raw token=logpush channel=abc sourcetype=cf header=X-Fault:busy"


def test_spec_object_and_string_agree():
    from_text = parse_fault("sequence=error:9,error:9,hang:10,ok every=2 probability=0.5 seed=3 window=60..360 from=first-request")
    from_object = parse_fault(
        {"sequence": ["error:9", "error:9", "hang:10", "ok"], "every": 2, "probability": 0.5, "seed": 3, "window": [60, 360], "from": "first-request"}
    )
    for attribute in ("sequence", "every", "probability", "seed", "window", "window_from"):
        assert getattr(from_text, attribute) == getattr(from_object, attribute)


def test_closed_sets_are_enums_that_keep_their_text():
    fault = parse_fault("ack:never from=first-request")
    assert fault.action.mode is AckMode.NEVER and str(fault.action) == "ack:never"
    assert fault.window_from is WindowOrigin.FIRST_REQUEST and fault.window_from == "first-request"
    assert AckFault("lost").mode is AckMode.LOST  # plain text still builds one directly
    with pytest.raises(ValueError):
        AckFault("sometimes")


def test_reply_extras():
    fault = parse_fault('status:502 body="<html>Bad gateway</html>" content_type=text/html reply_header=X-Upstream:lb1 retry_after=30')
    assert fault.action == Reply(
        status=502, body=b"<html>Bad gateway</html>", content_type="text/html", retry_after=30.0, headers=(("X-Upstream", "lb1"),)
    )
    busy = parse_fault("partial:3 code=26 retry_after=5")
    assert busy.action == Partial(3, code=codes.QUEUE_AT_CAPACITY, retry_after=5.0)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "cannot be empty"),
        ("explode", "unknown fault 'explode'; known: ack, close"),
        ("error:99", "unknown HEC code 99"),
        ("error:busy", "error needs a HEC code such as error:9, got 'busy'"),
        ("status:99", "status must be an HTTP status from 100 to 599, got 99"),
        ("partial:-1", "partial must not be negative"),
        ("delay:soon", "delay needs seconds"),
        ("delay:3..1", "runs backwards"),
        ("delay:-2", "delay must be a finite number of seconds >= 0"),
        ("reset:sideways", "reset takes before-body or after-body, got 'sideways'"),
        ("close:now", "close takes no argument, got 'now'"),
        ("ack:sometimes", "ack takes never, lost or a delay in seconds, got 'sometimes'"),
        ("first=3", "needs an action"),
        ("error:9 sequence=ok", "and not both"),
        ("error:9 error:8", "action given twice"),
        ("error:9 first=x", "first must be a whole number >= 0, got 'x'"),
        ("error:9 every=0", "every must be a whole number >= 1, got '0'"),
        ("error:9 probability=1.5", "probability must be a number from 0 to 1, got '1.5'"),
        ("error:9 window=10", "window needs START..END"),
        ("error:9 window=10..5", "window must end after it starts"),
        ("error:9 from=noon", "from must be start or first-request, got 'noon'"),
        ("error:9 path=rawr", "path must be one of event, raw, ack, health, any or start with /, got 'rawr'"),
        ("error:9 header=", "header must be Name or Name:Value"),
        ("error:9 colour=red", "unknown fault setting 'colour'"),
        ("delay:1 retry_after=5", "reply settings (retry_after) need error:, status: or partial:"),
        ("error:9 body=x", "body only goes with status:"),
        ("error:9 code=7", "code= goes with partial:"),
        ("partial:2 code=99", "unknown HEC code 99"),
        ("status:502 reply_header=NoColon", "reply_header must be Name:Value"),
        ('error:9 name="unclosed', "No closing quotation"),
        ("sequence=", "sequence needs at least one step"),
    ],
)
def test_bad_specs_name_the_bad_part(spec, message):
    with pytest.raises(FaultSpecError) as caught:
        parse_fault(spec)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_bad_object_values():
    with pytest.raises(FaultSpecError, match="first must be a whole number"):
        parse_fault({"action": "error:9", "first": True})
    with pytest.raises(FaultSpecError, match="spec string or an object"):
        parse_fault(42)  # type: ignore[arg-type]


def test_toml_plan(tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text('[[faults]]\naction = "error:9"\nfirst = 2\n\n[[faults]]\nsequence = ["reset", "ok"]\npath = "raw"\n')
    first, second = load_plan(plan)
    assert (first.first, str(second.sequence[0]), second.path) == (2, "reset", "raw")


def test_json_plan(tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"faults": [{"action": "delay:1"}, "error:8 every=3"]}))
    delay, error = load_plan(plan)
    assert (delay.action, error.every) == (Delay(1.0), 3)


def test_plan_takes_the_admin_apis_spec_objects(tmp_path):
    # One format: what POST /faults takes ({"spec": ...}, alone or with other keys) is a plan's entry too.
    plan = tmp_path / "plan.toml"
    plan.write_text('[[faults]]\nspec = "error:9 first=3 path=raw"\n\n[[faults]]\nspec = "reset"\nname = "outage"\nwindow = "60..360"\n')
    busy, outage = load_plan(plan)
    assert (busy.action, busy.first, busy.path) == (Reply(code=codes.SERVER_BUSY, invalid_event_number=0), 3, "raw")
    assert (outage.action, outage.name, outage.window) == (Reset(), "outage", (60.0, 360.0))
    assert str(busy) == "error:9 first=3 path=raw"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"spec": "error:9 first=3", "first": 2}, "first given twice, in spec 'error:9 first=3' and as its own key"),
        ({"spec": 9}, "spec must be a spec string"),
        ({"spec": "error:9", "action": "reset"}, "action given twice"),
    ],
)
def test_spec_objects_with_clashing_keys(entry, message):
    with pytest.raises(FaultSpecError, match=message):
        parse_fault(entry)


def test_spec_key_is_for_objects_only():
    with pytest.raises(FaultSpecError, match="unknown fault setting 'spec'"):
        parse_fault("error:9 spec=reset")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("plan.toml", "[[faults]]\naction = ", "does not parse"),
        ("plan.toml", "faults = 3", "needs a list of faults"),
        ("plan.toml", '[[faults]]\naction = "error:9"\n[[faults]]\naction = "boom"', "fault 2: unknown fault 'boom'"),
        ("plan.json", "[{]", "does not parse"),
    ],
)
def test_bad_plans(tmp_path, name, text, message):
    plan = tmp_path / name
    plan.write_text(text)
    with pytest.raises(FaultSpecError, match=message):
        load_plan(plan)


def test_missing_plan(tmp_path):
    with pytest.raises(FaultSpecError, match="cannot read fault plan"):
        load_plan(tmp_path / "none.toml")


def test_delay_distributions_are_seeded_and_bounded():
    uniform = Delay(1.0, high=3.0)
    draws = [uniform.seconds(random.Random(7)) for _ in range(3)]
    assert draws[0] == draws[1] == draws[2]
    rng = random.Random(1)
    assert all(1.0 <= uniform.seconds(rng) <= 3.0 for _ in range(1000))
    normal = Delay(0.1, spread=5.0)
    rng = random.Random(2)
    assert min(normal.seconds(rng) for _ in range(1000)) == 0.0  # clamped, never negative
