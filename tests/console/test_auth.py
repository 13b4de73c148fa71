"""Staff login, throttling and the scope rules."""
from __future__ import annotations

from sqlalchemy import select

from booking.extensions import db
from offices.auth import MAX_FAILED_LOGINS, can_see_office, offices_in_scope
from tests.console.conftest import PASSWORD


def test_login_page_is_persian_and_has_a_form(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "ورود" in page.get_data(as_text=True)


def test_wrong_password_is_refused_and_throttled_after_repeated_failures(client, make_office, make_user):
    user = make_user("operator", office=make_office())
    db.session.commit()
    for _ in range(MAX_FAILED_LOGINS):
        assert client.post("/login", data={"username": user.username, "password": "wrong"}).status_code == 401
    throttled = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    elsewhere = client.post("/login", data={"username": user.username, "password": PASSWORD},
                            environ_base={"REMOTE_ADDR": "198.51.100.20"})
    assert elsewhere.status_code == 302


def test_login_then_logout(client, make_office, make_user):
    user = make_user("operator", office=make_office())
    db.session.commit()
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    assert client.post("/logout").status_code == 302


def test_scopes(make_office, make_province, make_user):
    from offices.models import District

    tehran = make_province()
    office_a = make_office(province=tehran)
    office_b = make_office(province=tehran)
    office_c = make_office()
    operator = make_user("operator", office=office_a)
    district_sup = make_user("supervisor", scope="district", district_id=office_a.district_id)
    province_sup = make_user("supervisor", scope="province", province_id=tehran.id)
    nation_sup = make_user("supervisor", scope="nation")
    admin = make_user("admin")

    def ids(user):
        return set(db.session.scalars(offices_in_scope(user)))

    assert ids(operator) == {office_a.id}
    assert ids(district_sup) == {office_a.id}
    assert ids(province_sup) == {office_a.id, office_b.id}
    assert ids(nation_sup) == ids(admin) == {office_a.id, office_b.id, office_c.id}
    assert can_see_office(operator, office_a) and not can_see_office(operator, office_b)
    assert can_see_office(province_sup, office_b) and not can_see_office(province_sup, office_c)
    assert db.session.scalar(select(District).where(District.id == office_a.district_id)) is not None
