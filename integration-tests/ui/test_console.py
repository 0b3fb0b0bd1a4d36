"""The approver console in a real browser (headless Chromium) against a real `faramesh serve`
with tokens on."""
from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

from page import Console
from server import HTTPError, Server


def shell(server: Server, cmd: str, agent: str = "ui-agent", context: dict | None = None) -> dict:
    action = server.submit(agent, "shell", "run", {"cmd": cmd}, context)
    assert action["status"] == "pending_approval", action
    return action


def test_page_is_served_with_strict_headers(server: Server) -> None:
    with urllib.request.urlopen(server.base + "/", timeout=5) as response:
        headers = response.headers
        body = response.read().decode()
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert '<script type="module" src="/ui/app.js">' in body


def test_sign_in_live_update_detail_and_approve(server: Server, browser, shots: Path) -> None:
    page = Console(browser, server.base)
    page.sign_in(server.tokens["ui-approver"])
    assert page.css("#whoami").text == "ui-approver · approver"
    # The token lives in this tab's sessionStorage only: no cookie, not in the URL.
    assert browser.execute_script("return sessionStorage.getItem('faramesh.token')") == server.tokens["ui-approver"]
    assert browser.execute_script("return document.cookie") == ""
    assert server.tokens["ui-approver"] not in browser.current_url
    browser.execute_script("window.__sameDocument = true")

    action = shell(server, "systemctl restart nginx")
    row = page.row(action["id"])
    assert browser.execute_script("return window.__sameDocument") is True, "the page reloaded"
    # The row is drawn from the stream at once; its params follow from the API.
    page.wait(lambda d: "systemctl restart nginx" in page.row_text(action["id"]), message="params never filled in")
    assert page.row_status(action["id"]) == "pending_approval"
    page.wait(lambda d: d.title.startswith("("), message="pending count not in the title")
    assert not page.css("#pending-badge").get_attribute("hidden")

    page.open_drawer(action["id"])
    body = page.css("#drawer-body")
    assert json.loads(page.css('#drawer-body pre[aria-label="params"]').text) == {"cmd": "systemctl restart nginx"}
    assert "Shell commands need a human" in body.text
    assert action["request_hash"] in body.text
    assert "ui-test-1" in body.text
    page.wait(lambda d: page.css("[data-chain]").get_attribute("data-chain") == "ok")
    assert "recomputed" in page.css("[data-chain]").text
    assert "$FARAMESH_TOKEN" in body.text and server.tokens["ui-approver"] not in body.text
    assert page.css(".decide .countdown").text
    browser.save_screenshot(str(shots / "detail-pending.png"))

    page.css("#drawer-approve").click()
    page.visible("#decide-dialog")
    page.css("#decide-presets button").click()
    page.css("#decide-confirm").click()
    page.wait(lambda d: page.all('#drawer-body .timeline li[data-event="approved"]'), message="no approved event")
    approved = page.css('#drawer-body .timeline li[data-event="approved"]')
    assert approved.get_attribute("data-actor") == "ui-approver"
    assert "approved by ui-approver" in approved.text
    page.wait_status(action["id"], "approved")
    stored = server.action(action["id"])
    assert stored["status"] == "approved" and stored["reason"] == "Looks correct"
    assert "Approved by ui-approver" in page.css("#drawer-body .notice").text
    assert not page.console_errors(), page.console_errors()


def test_agent_token_sees_no_decision_controls(server: Server, browser) -> None:
    page = Console(browser, server.base)
    page.sign_in(server.tokens["ui-agent"])
    assert page.css("#whoami").text == "ui-agent · agent"
    action = shell(server, "ls /srv")
    page.row(action["id"])
    assert not page.all("button[data-decide]"), "agent sees approve/deny buttons"
    assert not page.all("#queue input[type=checkbox]")
    page.open_drawer(action["id"])
    assert not page.all("#drawer-approve") and not page.all("#drawer-deny")
    assert "agent tokens cannot approve" in page.css('[data-why="role"]').text
    page.css("#drawer-close").click()
    page.row(action["id"]).find_element(By.CSS_SELECTOR, "td.params")
    ActionChains(browser).send_keys("a").perform()
    assert not page.css("#decide-dialog").is_displayed()
    # And the API refuses it anyway.
    with pytest.raises(HTTPError) as refused:
        server.request("POST", f"/v1/actions/{action['id']}/approval", server.tokens["ui-agent"],
                       {"token": "x", "approve": True})
    assert refused.value.status == 403


XSS = [
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=2</script>",
    '"><svg onload="window.__xss=3;alert(3)">',
    "javascript:window.__xss=4",
    "{{constructor.constructor('window.__xss=5')()}}",
]


def test_agent_text_renders_literally_and_never_runs(server: Server, browser, shots: Path) -> None:
    page = Console(browser, server.base)
    page.sign_in(server.tokens["ui-approver"])
    params = {"cmd": XSS[0], "html": XSS[1], XSS[2]: XSS[3], "nested": [{"t": XSS[4]}]}
    action = server.submit("ui-agent", "shell", "run", params, {"note": XSS[1], "demo": True})
    row = page.row(action["id"])
    # The preview is the params' JSON text: the markup appears as characters, quotes escaped.
    page.wait(lambda d: '"cmd":"<img src=x onerror=' in page.row_text(action["id"], "td.params"))
    page.wait(lambda d: "demo" in page.row_text(action["id"]))
    page.open_drawer(action["id"])
    assert json.loads(page.css('#drawer-body pre[aria-label="params"]').text) == params
    assert json.loads(page.css('#drawer-body pre[aria-label="context"]').text) == {"note": XSS[1], "demo": True}
    # Denied with a hostile reason: the reason goes back to the agent and shows as text.
    page.css("#drawer-deny").click()
    page.visible("#decide-reason").send_keys(XSS[2])
    page.css("#decide-confirm").click()
    page.wait(lambda d: page.all('#drawer-body .timeline li[data-event="denied"]'))
    assert server.action(action["id"])["reason"] == XSS[2]
    assert XSS[2] in page.css("#drawer-body").text
    browser.save_screenshot(str(shots / "xss-literal.png"))
    assert browser.execute_script("return window.__xss") is None
    assert not browser.execute_script("return document.querySelectorAll('img[src=x], svg[onload], script:not([src])').length")
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    assert not [e for e in page.console_errors() if "Content Security Policy" in e or "TrustedHTML" in e]


def test_keyboard_approve(server: Server, browser) -> None:
    page = Console(browser, server.base)
    page.sign_in(server.tokens["ui-approver"])
    action = shell(server, "uptime")
    page.row(action["id"])
    for _ in range(60):
        if browser.execute_script("return document.activeElement.dataset.id") == action["id"]:
            break
        ActionChains(browser).send_keys("j").perform()
    assert browser.execute_script("return document.activeElement.dataset.id") == action["id"]
    ActionChains(browser).send_keys("?").perform()
    assert page.visible("#help-dialog").text.startswith("Keyboard")
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    page.wait(lambda d: not page.css("#help-dialog").is_displayed())
    ActionChains(browser).send_keys("a").perform()
    page.visible("#decide-dialog")
    assert browser.execute_script("return document.activeElement.id") == "decide-confirm"
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    page.wait_status(action["id"], "approved")
    events = server.events(action["id"])
    assert [e["actor"] for e in events if e["event_type"] == "approved"] == ["ui-approver"]
    # Keys are off while typing: "a" in the search box approves nothing.
    other = shell(server, "date")
    page.row(other["id"])
    search = page.css('#filters input[name="q"]')
    search.click()
    search.send_keys("a")
    time.sleep(0.3)
    assert not page.css("#decide-dialog").is_displayed()
    assert server.action(other["id"])["status"] == "pending_approval"


def test_batch_select_and_deny(server: Server, browser) -> None:
    page = Console(browser, server.base)
    page.sign_in(server.tokens["ui-approver"])
    first, second = shell(server, "echo 1"), shell(server, "echo 2")
    for action in (first, second):
        page.click_in_row(action["id"], "input[type=checkbox]")
    page.wait(lambda d: page.css("#batch-count").text == "2 selected")
    page.css("#batch-deny").click()
    page.visible("#decide-dialog")
    page.css("#decide-presets button:nth-child(2)").click()
    page.css("#decide-confirm").click()
    results = page.visible("#results")
    page.wait(lambda d: len(page.all("#results-list li.ok")) == 2)
    assert "Denied" in results.text
    for action in (first, second):
        stored = server.action(action["id"])
        assert stored["status"] == "denied" and stored["reason"] == "Suspicious arguments"


def test_self_approval_is_explained(server: Server, browser) -> None:
    page = Console(browser, server.base)
    page.sign_in(server.tokens["ui-approver"])
    mine = server.submit("ui-approver", "shell", "run", {"cmd": "whoami"})
    page.row(mine["id"])
    page.open_drawer(mine["id"])
    notice = page.css('[data-why="self-approval"]')
    assert 'your token "ui-approver"' in notice.text and "SELF_APPROVAL_FORBIDDEN" in notice.text
    assert not page.all("#drawer-approve")
    page.css("#drawer-close").click()
    # The row offers no buttons for it and says why.
    page.wait(lambda d: "submitted with your token" in page.row_text(mine["id"]))
    assert not page.row(mine["id"]).find_elements(By.CSS_SELECTOR, "button[data-decide], input[type=checkbox]")
    # Forcing it with the keyboard reaches the server, which refuses; the result says why.
    page.wait(lambda d: d.execute_script("return document.activeElement.dataset.id") == mine["id"])
    ActionChains(browser).send_keys("a").perform()
    page.visible("#decide-dialog")
    page.css("#decide-confirm").click()
    result = page.visible("#results-list li.fail")
    assert "another approver must decide" in result.text
    assert server.action(mine["id"])["status"] == "pending_approval"


def test_decided_elsewhere_refreshes_and_names_the_decider(server: Server, browser) -> None:
    page = Console(browser, server.base)
    page.sign_in(server.tokens["ui-approver"])
    action = shell(server, "make deploy")
    page.click_in_row(action["id"], 'button[data-decide="approve"]')
    page.visible("#decide-dialog")
    server.decide(action["id"], "ui-approver-2", True, "done already")  # someone else, while the dialog is open
    page.css("#decide-confirm").click()
    result = page.visible("#results-list li.fail")
    assert "already approved by ui-approver-2" in result.text
    page.wait_status(action["id"], "approved")
    page.wait(lambda d: "approved by ui-approver-2" in d.execute_script(
        "return document.querySelector(`tr.row[data-id=\"${arguments[0]}\"]`).textContent", action["id"]))


def test_filters_live_in_the_url_and_back_works(server: Server, browser) -> None:
    page = Console(browser, server.base)
    page.sign_in(server.tokens["ui-approver"])
    allowed = server.submit("ui-agent", "http", "get", {"url": "https://example.com/filters"})
    page.row(allowed["id"])
    status = page.css('#filters select[name="status"]')
    Select(status).select_by_value("allowed")
    page.wait(lambda d: "status=allowed" in d.current_url)
    page.wait(lambda d: d.execute_script("return document.getElementById('queue').dataset.loaded === 'true'"))
    page.row(allowed["id"])
    page.wait(lambda d: all(p.text == "allowed" for p in page.all("#rows tr.row td:nth-child(2) .pill")))
    assert page.css("#pending-rows").get_attribute("hidden") is not None
    shared = browser.current_url
    browser.back()
    page.wait(lambda d: "status=" not in d.current_url)
    page.wait(lambda d: status.get_attribute("value") == "")
    browser.get(shared)  # a shared link restores the view
    page.loaded()
    assert page.css('#filters select[name="status"]').get_attribute("value") == "allowed"


def test_dark_mode_toggles_and_is_remembered(server: Server, browser, shots: Path) -> None:
    page = Console(browser, server.base)
    page.sign_in(server.tokens["ui-approver"])
    background = lambda: browser.execute_script("return getComputedStyle(document.body).backgroundColor")  # noqa: E731
    toggle = page.css("#theme-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    light = background()
    toggle.click()
    assert browser.execute_script("return document.documentElement.dataset.theme") == "dark"
    assert toggle.get_attribute("aria-pressed") == "true"
    assert background() == "rgb(13, 17, 23)" != light
    browser.save_screenshot(str(shots / "console-dark.png"))
    browser.refresh()
    page.loaded()
    assert background() == "rgb(13, 17, 23)"
    page.css("#theme-toggle").click()
    assert background() == light


def test_sign_out_forgets_the_token(server: Server, browser) -> None:
    page = Console(browser, server.base)
    page.sign_in(server.tokens["ui-approver"])
    page.css("#sign-out").click()
    page.visible("#token-input")
    assert browser.execute_script("return sessionStorage.getItem('faramesh.token')") is None
    page.css("#token-input").send_keys("not-a-token")
    page.css("#signin-form button[type=submit]").click()
    page.wait(lambda d: "not accepted" in page.css("#signin-error").text)


def test_phone_width_is_readable(server: Server, browser, shots: Path) -> None:
    browser.set_window_size(390, 844)
    page = Console(browser, server.base)
    page.sign_in(server.tokens["ui-approver"])
    action = shell(server, "df -h")
    row = page.row(action["id"])
    assert row.size["width"] <= 390
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    browser.save_screenshot(str(shots / "console-phone.png"))


RECORD_STREAM_OPENS = """
window.__opens = [];
const original = window.fetch;
window.fetch = (input, init) => {
  const url = String(input);
  if (url.includes('/v1/events')) {
    const headers = (init && init.headers) || {};
    window.__opens.push(headers['Last-Event-ID'] || null);
    if (window.__failStream) return Promise.reject(new TypeError('stream blocked by the test'));
  }
  return original(input, init);
};
"""


def test_stream_resumes_with_last_event_id_after_a_drop(server: Server, browser) -> None:
    page = Console(browser, server.base)
    page.sign_in(server.tokens["ui-approver"])
    before = shell(server, "echo before the drop")
    page.row(before["id"])
    browser.execute_script(RECORD_STREAM_OPENS)
    # The stream has delivered at least the created event of `before` (its row is shown).
    first_seq = min(e["seq"] for e in server.events(before["id"]))
    server.restart()
    page.wait(lambda d: d.execute_script("return window.__opens.length") >= 1, 20, "no reconnect")
    page.wait(lambda d: page.css("#conn").get_attribute("data-state") == "live", 20)
    resumed_from = browser.execute_script("return window.__opens[0]")
    assert resumed_from is not None and int(resumed_from) >= first_seq
    after = shell(server, "echo after the drop")
    page.row(after["id"])


def test_polls_while_the_stream_cannot_open(server: Server, browser) -> None:
    page = Console(browser, server.base)
    page.sign_in(server.tokens["ui-approver"])
    browser.execute_script(RECORD_STREAM_OPENS + "window.__failStream = true;")
    server.restart()  # drops the open stream; every reopen now fails
    page.wait(lambda d: page.css("#conn").get_attribute("data-state") == "polling", 20, "no polling fallback")
    browser.execute_script("window.__sameDocument = true")
    action = shell(server, "echo seen by polling")
    page.row(action["id"], timeout=15)
    assert browser.execute_script("return window.__sameDocument") is True
    browser.execute_script("window.__failStream = false")
    page.wait(lambda d: page.css("#conn").get_attribute("data-state") == "live", 30)


RECORD_NOTIFICATIONS = """
const Real = window.Notification;
window.__notes = [];
window.Notification = class extends Real {
  constructor(title, options) { super(title, options); window.__notes.push([title, options.body, document.visibilityState]); }
};
"""


def test_desktop_notification_only_while_in_the_background(server: Server, browser) -> None:
    page = Console(browser, server.base)
    page.sign_in(server.tokens["ui-approver"])
    browser.execute_cdp_cmd("Browser.grantPermissions", {"origin": server.base, "permissions": ["notifications"]})
    toggle = page.visible("#notify-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    page.wait(lambda d: toggle.get_attribute("aria-pressed") == "true")
    browser.execute_script(RECORD_NOTIFICATIONS)
    visible = shell(server, "echo while visible")
    page.row(visible["id"])
    time.sleep(1)
    assert browser.execute_script("return window.__notes") == []
    console = browser.current_window_handle
    browser.switch_to.new_window("tab")  # the console's tab goes to the background
    hidden = shell(server, "echo while hidden", context={"secret_arg": "x"})
    time.sleep(3)
    browser.switch_to.window(console)
    notes = browser.execute_script("return window.__notes")
    assert len(notes) == 1, notes
    title, body, state = notes[0]
    assert title == "Approval needed" and state == "hidden"
    assert body == "ui-agent: shell · run (medium risk)"  # no params in a notification
    page.row(hidden["id"])


def list_requests(browser, needle: str) -> list[str]:
    """The list API calls the page made whose URL contains `needle`."""
    return browser.execute_script(
        "return performance.getEntriesByType('resource').map((e) => e.name)"
        ".filter((n) => n.includes('/v1/actions?') && n.includes(arguments[0]))", needle)


def loaded_count(browser) -> int:
    return int(browser.execute_script("return document.getElementById('queue').dataset.count || '0'"))


def test_search_is_answered_by_the_server_in_the_url_and_pages(server: Server, browser) -> None:
    marker = f"needle{int(time.time() * 1000) % 10**8}"
    oldest = server.submit("ui-agent", "search", f"find-{marker}-Oldest", {"n": -1})
    # More than one page newer than it: a search over the loaded rows could not find it.
    for i in range(130):
        server.submit("ui-agent", "search", f"find-{marker}-bulk", {"n": i})
    page = Console(browser, server.base)
    page.sign_in(server.tokens["ui-approver"])
    assert not browser.execute_script("return document.querySelector(`tr.row[data-id=\"${arguments[0]}\"]`)", oldest["id"])

    search = page.css('#filters input[name="q"]')
    search.send_keys(f"{marker}-OLDEST")  # case-insensitive, over the operation
    page.wait(lambda d: f"q={marker}-OLDEST" in d.current_url, message="search not in the URL")
    page.row(oldest["id"])
    page.wait(lambda d: loaded_count(d) == 1, message="the search did not narrow the list")
    assert list_requests(browser, f"q={marker}-OLDEST"), "the search never reached the list API"

    # Back: the previous view (no search) comes back.
    browser.back()
    page.wait(lambda d: "q=" not in d.current_url)
    page.wait(lambda d: search.get_attribute("value") == "")
    page.wait(lambda d: loaded_count(d) > 1)

    # A shared link with a search restores it; the search combines with keyset paging.
    browser.get(f"{server.base}/?q={marker}-bulk")
    page.loaded()
    assert page.css('#filters input[name="q"]').get_attribute("value") == f"{marker}-bulk"
    page.wait(lambda d: loaded_count(d) == 100, message="first page of the search")
    browser.execute_script("document.getElementById('load-more').click()")
    page.wait(lambda d: loaded_count(d) == 130, message="second page of the search")
    assert any("cursor=" in url for url in list_requests(browser, f"q={marker}-bulk")), "no keyset page with the search"
    assert page.console_errors() == []


def test_time_range_is_answered_by_the_server_and_shareable(server: Server, browser) -> None:
    marker = f"range{int(time.time() * 1000) % 10**8}"
    before = server.submit("ui-agent", "search", f"{marker}-before", {})
    time.sleep(0.05)
    inside = server.submit("ui-agent", "search", f"{marker}-inside", {})
    time.sleep(0.05)
    after = server.submit("ui-agent", "search", f"{marker}-after", {})
    page = Console(browser, server.base)
    page.sign_in(server.tokens["ui-approver"])
    start, end = inside["created_at"], after["created_at"]
    browser.get(f"{server.base}/?q={marker}&since=custom&from={start}&to={end}")
    page.loaded()
    page.row(inside["id"])
    page.wait(lambda d: loaded_count(d) == 1, message="the time range did not narrow the list")
    for outside in (before, after):
        assert not browser.execute_script("return document.querySelector(`tr.row[data-id=\"${arguments[0]}\"]`)", outside["id"])
    assert list_requests(browser, "until="), "the range never reached the list API"
    assert not page.css("#custom-range").get_attribute("hidden")
    assert page.css('#filters input[name="from"]').get_attribute("value") != ""
    # Back to "any time" through the form: the range leaves the URL and the other two come back.
    Select(page.css('#filters select[name="since"]')).select_by_value("")
    page.wait(lambda d: "since=" not in d.current_url and "from=" not in d.current_url)
    page.wait(lambda d: loaded_count(d) == 3)
    page.row(before["id"])


def test_the_history_is_virtualised_and_keys_walk_it(server: Server, browser) -> None:
    agent = "ui-agent"
    marker = f"virt{int(time.time() * 1000) % 10**8}"
    for i in range(300):
        server.submit(agent, "search", f"{marker}-{i:03d}", {"i": i})
    page = Console(browser, server.base)
    page.sign_in(server.tokens["ui-approver"], f"/?q={marker}")
    for _ in range(100):
        if loaded_count(browser) >= 300:
            break
        browser.execute_script("const b = document.getElementById('load-more'); if (!b.hidden && !b.disabled) b.click()")
        time.sleep(0.1)
    page.wait(lambda d: loaded_count(d) == 300, message="paging did not load all 300")
    in_dom = browser.execute_script("return document.querySelectorAll('#rows tr.row').length")
    assert 0 < in_dom < 150, f"{in_dom} rows in the DOM for 300 loaded"
    browser.execute_script("document.activeElement.blur()")
    chain = ActionChains(browser)
    for _ in range(200):
        chain.send_keys("j")
    chain.perform()
    # The 200th newest (operation -100): focused, drawn, in view.
    focused = browser.execute_script(
        "const r = document.querySelector('#rows tr.row.focused'); if (!r) return null;"
        "const b = r.getBoundingClientRect(); return [r.textContent, b.top >= 0 && b.bottom <= innerHeight,"
        " document.activeElement === r];")
    assert focused is not None, "the focused row is not drawn"
    assert f"{marker}-100" in focused[0]
    assert focused[1] and focused[2]
    # A live insert lands on top while scrolled far down, and shows when scrolled back.
    fresh = server.submit(agent, "search", f"{marker}-fresh", {})
    page.wait(lambda d: loaded_count(d) == 301, message="live insert not counted")
    browser.execute_script("scrollTo(0, 0)")
    page.row(fresh["id"])
