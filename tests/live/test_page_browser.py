"""The live page in a real (headless) browser, against a FakeHEC started in the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from hecharness.clock import RealClock
from hecharness.faults import FaultSet, FaultSpecError
from hecharness.hec import FakeHEC, Token

# Bounded waits: the page is pushed a snapshot every 0.25 s; the margin is for a loaded machine.
WAIT_S = 10
SCREENSHOT = Path(__file__).parents[2] / "build" / "live-page.png"
CHANNEL = "0d2c6a4e-5b1f-4c7e-9f3a-2b8d1e6f7a90"


def until(browser: WebDriver, condition: Callable[[WebDriver], Any], what: str) -> Any:
    # Rows are rebuilt as snapshots arrive, so an element found a moment ago may be gone: look again.
    wait = WebDriverWait(browser, WAIT_S, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,))
    return wait.until(condition, f"the page never showed {what}")


def rows(browser: WebDriver) -> list[list[str]]:
    return [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in browser.find_elements(By.CSS_SELECTOR, "#request-rows tr")
    ]


def row_of(browser: WebDriver, request_id: int) -> list[str] | None:
    return next((row for row in rows(browser) if row and row[0] == str(request_id)), None)


def open_page(browser: WebDriver, hec: FakeHEC) -> None:
    browser.get(hec.admin_url + "/")
    # Each server has its own port, so its own origin and session storage: no token carries over.
    until(browser, lambda b: b.find_element(By.ID, "connection").text in ("live", "disconnected"), "its state")


@pytest.fixture
def hec() -> Iterator[FakeHEC]:
    with FakeHEC() as server:
        yield server


@pytest.fixture
def page(browser: WebDriver, hec: FakeHEC) -> Iterator[WebDriver]:
    open_page(browser, hec)
    until(browser, lambda b: b.find_element(By.ID, "connection").text == "live", "the stream connected")
    yield browser
    browser.get("about:blank")  # close the stream before the server stops


def test_a_request_sent_after_load_appears(page: WebDriver, hec: FakeHEC) -> None:
    hec.client().post("/services/collector/raw", content=b"one\ntwo", headers={"X-Splunk-Request-Channel": CHANNEL})
    row = until(page, lambda b: row_of(b, 1), "request 1")
    assert row[2:5] == ["POST /services/collector/raw", "200", "0"]
    assert row[6] == CHANNEL and row[8] == "2"


def test_a_click_shows_the_masked_headers_and_first_events(page: WebDriver, hec: FakeHEC) -> None:
    hec.client().post("/services/collector/raw", content=b"first line\nsecond line")
    until(page, lambda b: row_of(b, 1), "request 1")
    until(page, lambda b: b.find_element(By.CSS_SELECTOR, '#request-rows tr[data-id="1"]').click() or True, "a row to click")
    detail = until(page, lambda b: "first events" in b.find_element(By.ID, "request-detail").text and
                   b.find_element(By.ID, "request-detail").text, "the request's detail")
    assert "authorization: Splunk " + hec.token[:4] + "****" in detail
    assert hec.token not in page.page_source
    assert "first line\nsecond line" in detail


def test_filters_narrow_the_table(page: WebDriver, hec: FakeHEC) -> None:
    client = hec.client()
    client.post("/services/collector/raw", content=b"x")
    client.get("/services/collector/nowhere")
    until(page, lambda b: len(rows(b)) == 2, "both requests")
    page.find_element(By.ID, "filter-status").send_keys("404")
    until(page, lambda b: [r[3] for r in rows(b)] == ["404"], "only the 404")


def add_fault(page: WebDriver, spec: str) -> None:
    field = page.find_element(By.ID, "fault-spec")
    field.clear()
    field.send_keys(spec)
    page.find_element(By.CSS_SELECTOR, "#fault-form button[type=submit]").click()


def test_a_fault_added_on_the_page_fires_and_removing_it_restores_200(page: WebDriver, hec: FakeHEC) -> None:
    add_fault(page, "error:9 first=1")
    until(page, lambda b: b.find_elements(By.CSS_SELECTOR, "#fault-rows tr"), "the new fault")
    assert len(hec.faults.list()) == 1
    client = hec.client()
    answer = client.post("/services/collector/raw", content=b"x")
    assert (answer.status_code, answer.json()["code"]) == (503, 9)
    until(page, lambda b: b.find_element(By.CSS_SELECTOR, "#fault-rows td.fired").text == "1", "the fault as fired")
    row = until(page, lambda b: row_of(b, 1), "the faulted request")
    assert row[3:6] == ["503", "9", hec.faults.list()[0].name + "=error:9"]
    page.find_element(By.CSS_SELECTOR, "#fault-rows button.remove").click()
    until(page, lambda b: not b.find_elements(By.CSS_SELECTOR, "#fault-rows tr"), "the fault removed")
    assert hec.faults.list() == []
    assert client.post("/services/collector/raw", content=b"x").status_code == 200


def test_a_bad_spec_shows_the_parsers_message(page: WebDriver, hec: FakeHEC) -> None:
    with pytest.raises(FaultSpecError) as parsed:
        FaultSet(RealClock()).add("error:nine first=1")
    add_fault(page, "error:nine first=1")
    until(page, lambda b: b.find_element(By.ID, "fault-error").text == str(parsed.value), "the parser's message")
    assert hec.faults.list() == []


def test_settings_and_tokens_change_from_the_page(page: WebDriver, hec: FakeHEC) -> None:
    until(page, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#health option")) > 1, "the health states")
    page.find_element(By.CSS_SELECTOR, '#health option[value="queues-full"]').click()
    page.find_element(By.ID, "settings-apply").click()
    until(page, lambda b: hec.settings.health == "queues-full" or None, "the health applied")
    page.find_element(By.CSS_SELECTOR, "#token-rows button").click()
    until(page, lambda b: not hec.tokens.all()[0].enabled or None, "the token disabled")
    assert hec.client().post("/services/collector/raw", content=b"x").json()["code"] == 1


def test_delivery_accounting_from_pasted_keys(page: WebDriver, hec: FakeHEC) -> None:
    hec.client().post("/services/collector/raw", content=b'{"RayID": "a"}\n{"RayID": "b"}\n{"RayID": "b"}')
    page.find_element(By.ID, "delivery-lines").send_keys("a\nb\nc")
    page.find_element(By.ID, "delivery-key").send_keys("RayID")
    page.find_element(By.ID, "delivery-check").click()
    report = until(page, lambda b: b.find_element(By.ID, "delivery-report").text, "the delivery report")
    assert report.startswith("expected 3, delivered 2, missing 1, duplicated 1")
    assert report.endswith("first missing:\nc")


def test_with_an_admin_token_the_page_shows_nothing_until_given_it(browser: WebDriver) -> None:
    with FakeHEC(admin_token="open-sesame") as hec:
        hec.client().post("/services/collector/raw", content=b"secret-looking event", headers={"X-Splunk-Request-Channel": CHANNEL})
        open_page(browser, hec)
        until(browser, lambda b: b.find_element(By.ID, "login").is_displayed(), "the token prompt")
        assert not browser.find_element(By.ID, "live").is_displayed()
        assert rows(browser) == [] and CHANNEL not in browser.page_source
        browser.find_element(By.ID, "admin-token").send_keys("open-sesame")
        browser.find_element(By.CSS_SELECTOR, "#login button").click()
        until(browser, lambda b: row_of(b, 1), "the journal after the token")
        assert "open-sesame" not in browser.current_url
        browser.get("about:blank")


def test_screenshot_after_a_short_scripted_run(page: WebDriver, hec: FakeHEC) -> None:
    client = hec.client()
    hec.tokens.add(Token("acked", name="acked", ack=True))
    for n in range(40):
        client.post("/services/collector/raw", content=b"event %d\nevent %d" % (n, n), headers={"X-Splunk-Request-Channel": CHANNEL})
    hec.faults.add("error:9 first=5")
    for n in range(8):
        client.post("/services/collector/event", json={"event": {"n": n}})
    client.get("/services/collector/nowhere")
    acked = httpx.Client(base_url=hec.url, headers={"Authorization": "Splunk acked", "X-Splunk-Request-Channel": CHANNEL})
    for _ in range(3):
        acked.post("/services/collector/raw", content=b"acked")
    acked.post("/services/collector/ack", json={"acks": [0, 1, 2]})
    until(page, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#ack-rows tr")) == 1 and len(rows(b)) == 53, "the run")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    assert page.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000
