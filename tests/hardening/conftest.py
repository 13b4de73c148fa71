"""Fixtures for the hardening tests: one office per side (A and B) and a member of staff for each role."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from booking.extensions import db

PASSWORD = "correct horse 7"


@dataclass
class Cast:
    """Two offices in two districts of two provinces, and staff of every kind."""

    office_a: Any
    office_b: Any
    users: dict[str, Any]


@pytest.fixture()
def make_staff(app) -> Callable[..., Any]:
    """``make_staff("supervisor", scope="district", district_id=...)``: a member of staff, password :data:`PASSWORD`."""
    from offices.models import User

    counter = iter(range(1, 10_000))

    def make(role: str, **values: Any) -> Any:
        n = next(counter)
        user = User(username=f"{role}-{values.get('scope') or ''}{n}", full_name=f"{role} {n}", role=role, **values)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.flush()
        return user

    return make


@pytest.fixture()
def cast(app, make_office, make_staff) -> Cast:
    office_a = make_office()
    office_b = make_office()
    users = {
        "operator_a": make_staff("operator", office_id=office_a.id),
        "operator_b": make_staff("operator", office_id=office_b.id),
        "district_supervisor": make_staff("supervisor", scope="district", district_id=office_a.district_id),
        "other_district_supervisor": make_staff("supervisor", scope="district", district_id=office_b.district_id),
        "province_supervisor": make_staff("supervisor", scope="province",
                                          province_id=office_a.district.province_id),
        "national_supervisor": make_staff("supervisor", scope="nation"),
        "admin": make_staff("admin"),
    }
    db.session.commit()
    return Cast(office_a, office_b, users)


def log_in(client, user, password: str = PASSWORD):
    """Log the test client in as this member of staff."""
    response = client.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client
