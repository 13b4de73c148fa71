"""Waiting at home in a real headless Chromium at phone size: join an office's line from its page with a
one-time code, follow the place (people ahead, leave-at), ask for more time, then the office checks the citizen
in and calls them: the page says which counter without a reload."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from booking.extensions import db
from booking.models import RemoteTicket, SmsMessage
from offices import queue_ops
from tests.browser import keep_screenshot
from tests.citizen.helpers import national_id
from tests.clock import FRIDAY, tehran_moment

pytestmark = pytest.mark.browser


def _last_sms(mobile: str, purpose: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(SmsMessage.body).where(SmsMessage.mobile == mobile,
                                                           SmsMessage.purpose == purpose)
                             .order_by(SmsMessage.id.desc()))


def test_wait_at_home_join_follow_more_time_then_called(working_day, live_server, phone_page, desktop_page,
                                                        make_office, make_service, make_staff) -> None:
    service = make_service()
    office = make_office(code="RQ01", services=[service], counters=2)
    make_staff("op-rq01", role="operator", office_id=office.id)
    queue_ops.open_counter(office, 1, None)
    for _ in range(4):
        queue_ops.add_walk_in(office, service.code, None)
    queue_ops.commit_and_publish(office.id)
    page = phone_page
    page.goto(f"{live_server}/offices/RQ01")
    expect(page.locator("#booked-wait")).to_contain_text("با نوبت قبلی")  # both lines: walk-in and booked
    keep_screenshot(page, "office-open-fa-390")
    page.locator("#wait-at-home").click()
    page.wait_for_selector("#queue-form")
    keep_screenshot(page, "remote-join")
    mobile = "09126660000"
    page.get_by_label("کد ملی").fill(national_id())
    page.get_by_label("شماره همراه").fill(mobile)
    page.get_by_role("button", name="کد را برایم بفرست").click()
    page.wait_for_selector("#otp")
    page.get_by_label("کد یکبارمصرف").fill(re.search(r"\d{6}", _last_sms(mobile, "otp")).group(0))
    page.get_by_role("button", name="نوبتم را در صف بگیر").click()
    page.wait_for_url(re.compile(r"/queue/[A-Za-z0-9_-]+\?new=1$"))
    expect(page.locator("#ticket-state")).to_have_text("در صف، در انتظار در خانه")
    expect(page.locator("#ticket-position")).to_have_text("۴")
    expect(page.locator("#ticket-leave_at")).not_to_be_empty()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # fits a phone
    keep_screenshot(page, "remote-ticket")
    db.session.expire_all()
    remote = db.session.scalar(select(RemoteTicket).where(RemoteTicket.mobile == mobile))
    assert f"/queue/{remote.token}" in _last_sms(mobile, "remote_joined")

    walk_in = queue_ops.add_walk_in(office, service.code, None)  # someone comes in after the citizen joined
    queue_ops.commit_and_publish(office.id)
    page.locator("#more-time").click()
    expect(page.locator("#ticket-position")).to_have_text("۵")  # moved back behind the walk-in
    expect(page.locator("#more-time")).to_have_count(0)  # once only

    for _ in range(5):  # the five ahead are served
        ticket = queue_ops.call_next(office, 1, None)
        queue_ops.finish_service(office, ticket.id, None)
    queue_ops.commit_and_publish(office.id)
    assert walk_in.id != remote.ticket_id
    expect(page.locator("#ticket-position")).to_have_text("۰", timeout=15_000)  # live, without a reload
    desk = desktop_page  # at the desk: the operator checks the citizen in by the ticket's number
    desk.goto(f"{live_server}/login")
    desk.fill("#username", "op-rq01")
    desk.fill("#password", "secret-pass")
    desk.locator("form button[type=submit]").click()
    desk.goto(f"{live_server}/console/RQ01")
    expect(desk.locator(".tag.remote-on_the_way, .tag.remote-at_home")).to_have_count(1)
    desk.fill("#check-in-query", remote.ticket.number)
    desk.locator("form.check-in button[type=submit]").click()
    expect(desk.locator(".tag.remote-here")).to_have_count(1)
    db.session.expire_all()
    called = queue_ops.call_next(office, 1, None)
    queue_ops.commit_and_publish(office.id)
    assert called.id == remote.ticket_id
    expect(page.locator("#ticket-called")).to_have_text("نوبت شماست: به باجه ۱ بروید.", timeout=15_000)
    expect(page.locator("#remote-actions")).to_be_hidden()
    keep_screenshot(page, "remote-ticket-called")
    assert "۱" in _last_sms(mobile, "called")


def test_wait_at_home_in_english_on_a_desktop_and_the_poster(working_day, live_server, desktop_page, make_office,
                                                             make_service) -> None:
    from booking import remote_queue

    service = make_service()
    office = make_office(code="RQ02", services=[service], counters=2)
    queue_ops.open_counter(office, 1, None)
    queue_ops.add_walk_in(office, service.code, None)
    remote = remote_queue.join(office, service, national_id(), "09126660001", language="en")
    queue_ops.commit_and_publish(office.id)
    page = desktop_page
    page.goto(f"{live_server}/language/en")
    page.goto(f"{live_server}/queue/{remote.token}")
    expect(page.locator("#ticket-state")).to_have_text("In line, waiting at home")
    expect(page.locator("#ticket-leave_at")).not_to_be_empty()
    keep_screenshot(page, "remote-ticket-en-desktop")
    page.goto(f"{live_server}/offices/RQ02/poster")
    expect(page.locator("#poster svg")).to_be_visible()
    assert "Q RQ02" in page.locator("#poster").inner_text()
    keep_screenshot(page, "remote-poster-en")


def test_on_a_friday_the_line_cannot_be_joined_and_says_why(clock, live_server, phone_page, make_office) -> None:
    clock(tehran_moment(FRIDAY, 10))
    make_office(code="RQ03")
    db.session.commit()
    page = phone_page
    page.goto(f"{live_server}/offices/RQ03")
    expect(page.locator("#closed-note")).to_be_visible()
    expect(page.locator("#wait-at-home")).to_have_count(0)  # no button while closed
    page.goto(f"{live_server}/offices/RQ03/queue")
    expect(page.locator("#closed-note")).to_contain_text("این دفتر اکنون بسته است")
    expect(page.locator("#closed-note")).to_contain_text("شنبه")  # opens on Saturday
    expect(page.locator("#queue-form")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    keep_screenshot(page, "remote-join-friday")
