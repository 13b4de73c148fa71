"""In a real headless Chromium: the console never re-sends an action, its shortcuts follow the physical key
(a Persian keyboard layout included), and the lobby display lists, chimes and speaks each call."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from booking.extensions import db
from offices import queue_ops
from tests.browser import keep_screenshot
from tests.console.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture()
def office_with_operator(working_day, make_office, make_service, make_user):
    sana = make_service(code="sana-reg", letter="A", name_fa="ثبت‌نام ثنا", name_en="SANA registration")
    petition = make_service(code="petition", letter="B", name_fa="ثبت دادخواست", name_en="Filing a petition")
    office = make_office(services=[sana, petition], counters=3)
    operator = make_user("operator", office=office, full_name="مریم احمدی")
    db.session.commit()
    return office, operator


def log_in(page, base_url: str, operator, office) -> None:
    page.goto(f"{base_url}/login")
    page.fill("#username", operator.username)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"**/console/{office.code}")


def persian_key(page, key: str, code: str) -> None:
    """Press a key as a Persian keyboard layout sends it: the Persian character, the physical key's code."""
    with page.expect_navigation():
        page.evaluate("([key, code]) => document.body.dispatchEvent(new KeyboardEvent('keydown',"
                      " {key: key, code: code, bubbles: true, cancelable: true}))", [key, code])


def test_a_refresh_after_a_failed_action_sends_a_get(office_with_operator, live_server, desktop_page):
    office, operator = office_with_operator
    page = desktop_page
    page.clock.install()
    log_in(page, live_server, operator, office)
    page.fill("#check-in-query", "NOPE1234")
    with page.expect_navigation():
        page.get_by_role("button", name="پذیرش", exact=True).click()
    board = f"{live_server}/console/{office.code}"
    assert page.url == board  # not the POST's address
    assert page.locator(".flash-error").count() == 1
    sent = []
    page.on("request", lambda request: sent.append((request.method, request.url)))
    with page.expect_navigation():
        page.clock.run_for("00:21")  # the board's 20-second refresh
    assert sent[0] == ("GET", board)
    assert not any(method == "POST" for method, _ in sent)
    assert page.locator(".flash-error").count() == 0  # the message was shown once


def test_shortcuts_work_on_a_persian_keyboard_layout(office_with_operator, live_server, desktop_page):
    office, operator = office_with_operator
    page = desktop_page
    log_in(page, live_server, operator, office)
    with page.expect_navigation():
        page.get_by_role("button", name="باز کردن").first.click()  # open counter 1: it becomes "my counter"
    # The buttons and the help name the letters a Persian keyboard types (د for n, س for s …).
    assert page.locator("button[data-key='n'] kbd").first.inner_text() == "د"
    assert "د (n) فراخوان بعدی" in page.locator(".shortcuts").inner_text()
    persian_key(page, "۱", "Digit1")  # a walk-in for the first service
    persian_key(page, "۲", "Digit2")  # and one for the second
    assert page.locator("#stat-waiting").inner_text() == "۲"
    persian_key(page, "د", "KeyN")  # call next at my counter
    assert page.locator("#counter-1 .ticket-no").inner_text() == "A-۰۰۱"
    persian_key(page, "س", "KeyS")  # start
    assert "آغاز شد" in page.locator(".flash").inner_text()
    # Playwright's own key press by physical key, as the US layout sends it, still works
    with page.expect_navigation():
        page.keyboard.press("KeyF")  # finish
    assert page.locator("#counter-1 .ticket-no").count() == 0
    # the key c, typed as «ز» on a Persian layout, puts the cursor in the check-in field
    page.evaluate("document.body.dispatchEvent(new KeyboardEvent('keydown',"
                  " {key: 'ز', code: 'KeyC', bubbles: true, cancelable: true}))")
    assert page.evaluate("document.activeElement.id") == "check-in-query"
    page.goto(f"{live_server}/console/{office.code}?lang=en")
    assert page.locator("button[data-key='n'] kbd").first.inner_text() == "n"
    keep_screenshot(page, "console-board-en", full_page=False)


LISTEN = """
window.__chimes = 0; window.__spoken = [];
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () { window.__chimes += 1; return play.call(this); };
const speak = speechSynthesis.speak.bind(speechSynthesis);
speechSynthesis.speak = (u) => { window.__spoken.push([u.text, u.lang]); };
"""
# This Chromium has no speech voices; a kiosk's browser with one installed lists it like this.
PERSIAN_VOICE = """
speechSynthesis.getVoices = () => [{name: 'Persian', lang: 'fa-IR', default: false, localService: true,
                                    voiceURI: 'fa'}];
"""


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_lobby_lists_chimes_and_speaks_each_call(office_with_operator, live_server, chromium, lang):
    office, operator = office_with_operator
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="fa-IR")
    try:
        lobby = context.new_page()
        lobby.add_init_script(LISTEN + PERSIAN_VOICE)
        sana, petition = office.services
        for service in (sana, sana, petition):
            queue_ops.add_walk_in(office, service.code, None)
        queue_ops.open_counter(office, 3, operator)
        queue_ops.call_next(office, 3, operator)
        queue_ops.commit_and_publish(office.id)
        lobby.goto(f"{live_server}/lobby/{office.code}?lang={lang}")
        first = "A-۰۰۱" if lang == "fa" else "A-001"
        assert lobby.locator("#calls tr.newest .ticket-no").inner_text() == first
        assert lobby.evaluate("window.__chimes") == 0  # what was called before the screen opened is not announced
        queue_ops.open_counter(office, 1, operator)
        called = queue_ops.call_next(office, 1, operator)
        queue_ops.commit_and_publish(office.id)
        second = "A-۰۰۲" if lang == "fa" else "A-002"
        expect(lobby.locator("#calls tr.newest .ticket-no")).to_have_text(second, timeout=20000)
        rows = lobby.locator("#calls tr")
        assert rows.locator(".ticket-no").all_inner_texts() == [second, first]
        assert rows.locator(".counter-no").all_inner_texts() == (["۱", "۳"] if lang == "fa" else ["1", "3"])
        assert lobby.locator("#calls tr.newest").count() == 1
        waited = 0
        while lobby.evaluate("window.__spoken.length") == 0 and waited < 150:  # after the chime
            lobby.wait_for_timeout(100)
            waited += 1
        assert lobby.evaluate("window.__chimes") == 1
        assert lobby.evaluate("window.__spoken") == [["نوبت A ۲، باجهٔ ۱", "fa-IR"]]
        if lang == "en":  # the Persian one is console-lobby.png
            keep_screenshot(lobby, "console-lobby-en", full_page=False)
        # sound off: remembered after a reload, and the next call is silent
        lobby.get_by_role("button", name="صدا روشن" if lang == "fa" else "Sound on").click()
        lobby.reload()
        toggle = lobby.locator("#sound-toggle")
        assert toggle.get_attribute("aria-pressed") == "false"
        assert toggle.inner_text() == ("صدا خاموش" if lang == "fa" else "Sound off")
        queue_ops.finish_service(office, called.id, operator)
        queue_ops.call_next(office, 1, operator)
        queue_ops.commit_and_publish(office.id)
        third = "B-۰۰۱" if lang == "fa" else "B-001"
        expect(lobby.locator("#calls tr.newest .ticket-no")).to_have_text(third, timeout=20000)
        lobby.wait_for_timeout(1500)
        assert lobby.evaluate("[window.__chimes, window.__spoken.length]") == [0, 0]
    finally:
        context.close()
