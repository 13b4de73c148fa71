"""Counters an office announces it will staff on a day (leave, training, a counter under repair).

An office knows the day before, often the week before, that a counter will not be staffed; the evening before
nothing else tells the site. A plan caps the counters the forecast expects that day (:mod:`offices.forecast`),
so the slot list, the recommendation and the find page show the longer waits and send citizens elsewhere.
Plans are made by the office's own staff (the console) for today and the next :data:`PLAN_DAYS_AHEAD` days,
from one counter to the counters installed; a day the office is shut is a closure, not a plan.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from booking.dates import to_tehran, utcnow
from booking.extensions import db
from booking.i18n import local_number
from offices.forecast import forget_profiles
from offices.models import CounterPlan, Office, User

#: How far ahead a plan can be made (days after today).
PLAN_DAYS_AHEAD = 60


class PlanError(ValueError):
    """A plan refused, with the reason in the user's language and the HTTP status that fits."""

    status = 422


def set_counter_plan(office: Office, day: dt.date, counters: int, *, by: User | None = None,
                     now: dt.datetime | None = None) -> CounterPlan:
    """Announce that ``office`` staffs ``counters`` counters on ``day`` (replacing an earlier plan for it)."""
    today = to_tehran(now or utcnow()).date()
    if day < today:
        raise PlanError(_("A plan is for today or a day ahead, not a day gone by."))
    if day > today + dt.timedelta(days=PLAN_DAYS_AHEAD):
        raise PlanError(_("A plan can be made at most %(days)s days ahead.", days=local_number(PLAN_DAYS_AHEAD)))
    if not 1 <= counters <= office.counters:
        raise PlanError(_("This office has counters 1 to %(n)s.", n=local_number(office.counters)))
    for attempt in range(2):
        plan = db.session.get(CounterPlan, (office.id, day), populate_existing=attempt > 0) or \
            CounterPlan(office_id=office.id, day=day)
        plan.counters = int(counters)
        plan.set_by_id = by.id if by is not None else None
        plan.set_at = now or utcnow()
        try:
            with db.session.begin_nested():  # two saves at once (a double click): the second updates
                db.session.add(plan)
                db.session.flush()
            break
        except IntegrityError:
            if attempt:
                raise
    forget_profiles([office.id])
    return plan


def clear_counter_plan(office: Office, day: dt.date) -> bool:
    """Withdraw the office's plan for ``day``; whether there was one."""
    plan = db.session.get(CounterPlan, (office.id, day))
    if plan is None:
        return False
    db.session.delete(plan)
    db.session.flush()
    forget_profiles([office.id])
    return True


def upcoming_plans(office: Office, now: dt.datetime | None = None) -> list[CounterPlan]:
    """The office's plans from today on, by day."""
    today = to_tehran(now or utcnow()).date()
    return list(db.session.scalars(select(CounterPlan).where(CounterPlan.office_id == office.id,
                                                             CounterPlan.day >= today).order_by(CounterPlan.day)))
