"""In a real Chromium: the main pages load under the Content-Security-Policy without a single violation
(no inline script, handler or style is blocked), for a citizen, an operator and a supervisor."""
from __future__ import annotations

import pytest

from booking.extensions import db
from tests.hardening.conftest import PASSWORD, Cast

pytestmark = pytest.mark.browser


def _violations(page, base: str, paths: list[str]) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda message: seen.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "Refused to" in message.text else None)
    for path in paths:
        response = page.goto(base + path)
        assert response is not None and response.status < 500, path
        page.wait_for_load_state("load")
    return seen


def test_pages_load_without_csp_violations(live_server, desktop_page, cast: Cast):
    office = cast.office_a.code
    db.session.commit()
    page = desktop_page
    citizen = ["/", "/find", f"/offices/{office}", f"/offices/{office}/book", "/my", "/api/docs", "/complaints/new",
               f"/lobby/{office}", "/login"]
    found = _violations(page, live_server, citizen)
    page.fill("input[name=username]", cast.users["operator_a"].username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    found += _violations(page, live_server, [f"/console/{office}"])
    page.context.clear_cookies()
    page.goto(live_server + "/login")
    page.fill("input[name=username]", cast.users["national_supervisor"].username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    found += _violations(page, live_server, ["/dashboard/", f"/dashboard/office/{office}",
                                             f"/dashboard/office/{office}/heatmap", "/dashboard/complaints"])
    assert not found, "\n".join(found)
