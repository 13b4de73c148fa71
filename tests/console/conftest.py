"""Fixtures for the operator console, the live load and the jobs: staff users and logged-in clients."""
from __future__ import annotations

from typing import Any, Callable

import pytest

from booking.extensions import db

PASSWORD = "correct horse 7"


@pytest.fixture()
def make_user(make_staff) -> Callable[..., Any]:
    """``make_user(role="operator", office=office)``: a member of staff with the password :data:`PASSWORD`,
    named after the role and a running number (``operator-1``) unless ``username`` is given."""
    counter = iter(range(1, 10_000))

    def make(role: str = "operator", *, office=None, password: str = PASSWORD, **overrides: Any) -> Any:
        n = next(counter)
        values: dict[str, Any] = {"full_name": f"{role} {n}", "role": role,
                                  "office_id": office.id if office is not None else None}
        values.update(overrides)
        return make_staff(values.pop("username", f"{role}-{n}"), password, **values)

    return make


@pytest.fixture()
def login(client) -> Callable[[Any], Any]:
    """``login(user)``: log the test client in as this user."""

    def do(user, password: str = PASSWORD):
        db.session.commit()
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do


@pytest.fixture(autouse=True)
def _a_working_moment(working_day):
    """The console's tests run on a working Tuesday at 10:00 in Tehran unless they pin a moment of their own
    (``clock``): an operator's day needs open hours, and an appointment a few minutes ahead must fall on the
    same day whatever the real hour (at 23:57 it fell on the next, and checking it in found nothing today)."""
    return working_day
