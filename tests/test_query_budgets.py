"""SQL statements per page: every public and staff page, on the demo data, within its budget.

A page's budget is the most SQL statements one request of it may run once the process is warm (the office
index, the office cards and the other per-process caches loaded by an earlier request, as in a web worker
that has served for a minute). The budgets sit here, beside the test, so that a new query on a page is a
conscious choice: raise the number in the same change that needs it, and say why.

While a template renders, any lazy load (a relationship or an expired attribute loaded on access) raises:
pages hand their templates data that is already loaded.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import before_render_template, template_rendered
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from booking.extensions import db

#: Most SQL statements per request of each kind of page, warm.
BUDGETS = {
    "find": 6,          # find with a position, or a district
    "office": 6,        # an office's page
    "booking": 8,       # an office's booking page (a day's slots)
    "home": 3,          # the home page and a province's list
    "record": 6,        # public records: an office's record, the index, a league table
    "public": 6,        # other public pages: my appointments, complaints, login, API documents
    "private": 6,       # a citizen's ticket, its calendar file, the survey
    "operator": 12,     # the operator console and the lobby display
    "supervisor": 12,   # supervisors' dashboard, heatmaps, what-if, complaints, planning
    "api": 6,           # the public JSON API citizens' apps call most: slots, load, recommendation, offices
}


@dataclass(frozen=True)
class Page:
    kind: str
    path: str
    user: str | None = None  # logged in as this demo user


class LazyLoadInTemplate(AssertionError):
    """A template loaded a relationship or an expired attribute: the view should have loaded it."""


@contextmanager
def counting(app) -> Iterator[list[str]]:
    """The SQL statements run inside the block, and lazy loads made to raise while a template renders."""
    statements: list[str] = []
    rendering = [0]

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    def lazy(state) -> None:
        if rendering[0] and (state.is_relationship_load or state.is_column_load):
            raise LazyLoadInTemplate(f"lazy load while rendering: {state.statement}")

    def started(sender, template, context, **extra) -> None:
        rendering[0] += 1

    def finished(sender, template, context, **extra) -> None:
        rendering[0] -= 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    event.listen(Session, "do_orm_execute", lazy)
    before_render_template.connect(started, app)
    template_rendered.connect(finished, app)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
        event.remove(Session, "do_orm_execute", lazy)
        before_render_template.disconnect(started, app)
        template_rendered.disconnect(finished, app)


def _pages() -> list[Page]:
    """Every page worth a budget, with the demo data's codes."""
    from booking import slots
    from booking.models import Appointment, RemoteTicket
    from offices.models import Complaint, District, Office, Province

    office = db.session.scalar(select(Office).join(District).join(Province).where(Province.code == "23")
                               .order_by(Office.code))
    district = db.session.scalar(select(District).where(District.code.like("23-%")).order_by(District.code))
    appointment = db.session.scalar(select(Appointment).where(Appointment.office_id == office.id))
    complaint = db.session.scalar(select(Complaint))
    remote = db.session.scalar(select(RemoteTicket))
    operator, supervisor = f"op-{office.code}", "sup-iran"
    city = office.district.city_en
    pages = [
        Page("home", "/"), Page("home", "/provinces/23"),
        Page("find", f"/find?lat={office.lat}&lon={office.lon}"), Page("find", f"/find?district={district.code}"),
        Page("find", "/find"),
        Page("office", f"/offices/{office.code}"), Page("booking", f"/offices/{office.code}/book"),
        Page("record", f"/offices/{office.code}/record"), Page("record", "/records"),
        Page("record", f"/records/23/{city}"),
        Page("public", "/my"), Page("public", "/complaints/new"), Page("public", "/complaints/status"),
        Page("public", "/login"), Page("public", "/api/docs"),
        Page("private", f"/ticket/{appointment.tracking_code}"),
        Page("private", f"/ticket/{appointment.tracking_code}.ics"),
        Page("public", f"/offices/{office.code}/queue"), Page("public", f"/offices/{office.code}/poster"),
        Page("private", f"/queue/{remote.token}"),
        Page("operator", f"/console/{office.code}", operator),
        Page("operator", f"/lobby/{office.code}", operator),
        Page("supervisor", "/dashboard/", supervisor), Page("supervisor", "/dashboard/province/23", supervisor),
        Page("supervisor", f"/dashboard/district/{office.district.code}", supervisor),
        Page("supervisor", f"/dashboard/office/{office.code}", supervisor),
        Page("supervisor", "/dashboard/province/23/heatmap", supervisor),
        Page("supervisor", f"/dashboard/office/{office.code}/whatif", supervisor),
        Page("supervisor", "/dashboard/complaints", supervisor),
        Page("supervisor", f"/dashboard/complaints/{complaint.public_code}", supervisor),
        Page("public", f"/complaints/{complaint.public_code}"),
        Page("supervisor", "/planning/", supervisor), Page("supervisor", f"/planning/23/{city}", supervisor),
        Page("api", f"/api/offices/{office.code}/slots?date={slots.open_days(office, slots.today_tehran())[1]}"),
        Page("api", f"/api/offices/{office.code}/load"), Page("api", f"/api/recommend?lat={office.lat}&lon={office.lon}"),
        Page("api", "/api/offices?province=23"),
    ]
    return pages


def _seed_demo_with_a_booking_and_a_complaint() -> None:
    from booking import appointments, remote_queue, slots
    from offices.dashboard.complaints import file_complaint
    from offices.demo.seed import seed_demo
    from offices.models import District, Office, Province

    seed_demo(offices=40, days=7, seed=7, progress=False)
    office = db.session.scalar(select(Office).join(District).join(Province).where(Province.code == "23")
                               .order_by(Office.code))
    day = slots.open_days(office, slots.today_tehran())[1]
    slot = next(v.slot for v in slots.day_slots(office, day) if v.bookable)
    appointments.book(office, office.services[0], slot, "0499370899", "09121234567")
    file_complaint(office, "The line did not move for an hour.")
    remote_queue.join(office, office.services[0], "0084575948", "09121234568")  # a place taken from home
    db.session.commit()


def test_every_page_within_its_sql_budget(app, working_day) -> None:
    _seed_demo_with_a_booking_and_a_complaint()
    pages = _pages()
    db.session.remove()
    over: list[str] = []
    report: list[str] = []
    clients: dict[str | None, object] = {}
    for page in pages:
        client = clients.get(page.user)
        if client is None:
            client = clients[page.user] = app.test_client()
            if page.user is not None:
                password = "operator-1405" if page.user.startswith("op-") else "supervisor-1405"
                response = client.post("/login", data={"username": page.user, "password": password})
                assert response.status_code == 302, f"{page.user} could not log in"
        first = client.get(page.path)  # warms the process's caches, as earlier visitors would
        assert first.status_code == 200, f"{page.path} answered {first.status_code}"
        with counting(app) as statements:
            response = client.get(page.path)
        assert response.status_code == 200, f"{page.path} answered {response.status_code}"
        budget = BUDGETS[page.kind]
        report.append(f"{len(statements):3d} / {budget:2d}  {page.path}")
        if len(statements) > budget:
            over.append(f"{page.path} ran {len(statements)} SQL statements (budget {budget} for {page.kind} "
                        "pages):\n    " + "\n    ".join(re.sub(r"\s+", " ", s)[:200] for s in statements))
    print("\n".join(report))
    assert not over, "\n".join(over)
