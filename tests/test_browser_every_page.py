"""Every public and staff page in a real headless Chromium on a 390 px phone, in Persian and in English: no page
is wider than the screen, and axe-core (axe-playwright-python, a test dependency; never served by the site)
finds no serious or critical accessibility violation."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from booking.extensions import db
from tests.conftest import PHONE

pytestmark = pytest.mark.browser

#: axe impacts that fail the test.
FAILING = ("serious", "critical")


def _seed() -> dict[str, str]:
    from booking import appointments, remote_queue, slots
    from offices.dashboard.complaints import file_complaint
    from offices.demo.seed import seed_demo
    from offices.models import District, Office, Province

    seed_demo(offices=40, days=7, seed=7, progress=False)
    office = db.session.scalar(select(Office).join(District).join(Province).where(Province.code == "23")
                               .order_by(Office.code))
    day = slots.open_days(office, slots.today_tehran())[1]
    slot = next(v.slot for v in slots.day_slots(office, day) if v.bookable)
    appointment = appointments.book(office, office.services[0], slot, "0499370899", "09121234567")
    complaint = file_complaint(office, "The line did not move for an hour.")
    remote = remote_queue.join(office, office.services[0], "0084575948", "09121234568")
    db.session.commit()
    return {"office": office.code, "district": office.district.code, "city": office.district.city_en,
            "ticket": appointment.tracking_code, "complaint": complaint.public_code, "remote": remote.token}


def _pages(k: dict[str, str]) -> list[tuple[str | None, str]]:
    """(who is logged in, path) for every page a person opens."""
    op, sup = f"op-{k['office']}", "sup-iran"
    return [
        (None, "/"), (None, "/provinces/23"), (None, "/find"), (None, f"/find?district={k['district']}"),
        (None, f"/offices/{k['office']}"), (None, f"/offices/{k['office']}/book"),
        (None, f"/offices/{k['office']}/record"), (None, "/records"), (None, f"/records/23/{k['city']}"),
        (None, "/my"), (None, "/complaints/new"), (None, "/complaints/status"),
        (None, f"/complaints/{k['complaint']}"), (None, f"/ticket/{k['ticket']}"), (None, "/login"),
        (None, f"/offices/{k['office']}/queue"), (None, f"/queue/{k['remote']}"), (None, f"/offices/{k['office']}/poster"),
        (op, f"/console/{k['office']}"), (op, f"/lobby/{k['office']}"),
        (sup, "/dashboard/"), (sup, "/dashboard/province/23"), (sup, f"/dashboard/district/{k['district']}"),
        (sup, f"/dashboard/office/{k['office']}"), (sup, "/dashboard/province/23/heatmap"),
        (sup, f"/dashboard/office/{k['office']}/whatif"), (sup, "/dashboard/complaints"),
        (sup, f"/dashboard/complaints/{k['complaint']}"), (sup, "/planning/"),
        (sup, f"/planning/23/{k['city']}"),
    ]


def _log_in(page, base: str, username: str) -> None:
    from offices.demo.seed import DEMO_PASSWORDS

    password = DEMO_PASSWORDS["operator" if username.startswith("op-") else "supervisor"]
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def test_every_page_fits_a_phone_and_passes_axe(working_day, app, live_server, chromium) -> None:
    from axe_playwright_python.sync_playwright import Axe

    app.config["MAP_TILE_URL"] = ""  # the offline drawings: no tile server here
    keys = _seed()
    axe = Axe()
    problems: list[str] = []
    for lang in ("fa", "en"):
        contexts = {}
        for who, path in _pages(keys):
            if who not in contexts:
                context = chromium.new_context(**PHONE)
                page = context.new_page()
                page.goto(f"{live_server}/language/{lang}")
                if who:
                    _log_in(page, live_server, who)
                contexts[who] = (context, page)
            page = contexts[who][1]
            response = page.goto(live_server + path)
            where = f"{lang} {path}"
            if response is None or response.status >= 400:
                problems.append(f"{where}: HTTP {response.status if response else '—'}")
                continue
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 391:
                problems.append(f"{where}: {width} px wide on a 390 px screen")
            results = axe.run(page)
            for violation in results.response["violations"]:
                if violation["impact"] in FAILING:
                    targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
                    problems.append(f"{where}: axe {violation['impact']} {violation['id']} on {targets}")
        for context, _ in contexts.values():
            context.close()
    assert not problems, "\n".join(problems)
