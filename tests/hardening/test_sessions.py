"""Staff sessions end on logout and on a password change; the remember-me cookie changes per login and
expires; cookies are Secure outside demo mode; a citizen's national ID and mobile stay on the server."""
from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime

import pytest
from flask import g
from sqlalchemy import select

from booking.extensions import db
from tests.hardening.conftest import PASSWORD, Cast


def _login(client, user, remember: bool = False):
    data = {"username": user.username, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302
    return response


def _opens_console(client, office) -> bool:
    """Whether this client's cookies open the console. The tests' application context is shared by every
    request, so Flask-Login's per-request cache of the user (``g._login_user``) is dropped around it."""
    g.pop("_login_user", None)
    opened = client.get(f"/console/{office.code}").status_code == 200
    g.pop("_login_user", None)
    return opened


def test_the_old_session_cookie_is_dead_after_logout(app, cast: Cast):
    client = app.test_client()
    _login(client, cast.users["operator_a"])
    assert _opens_console(client, cast.office_a)
    old = client.get_cookie("session").value
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("session", old)
    assert not _opens_console(replay, cast.office_a)


def test_the_remember_token_alone_is_dead_after_logout(app, cast: Cast):
    client = app.test_client()
    _login(client, cast.users["operator_a"], remember=True)
    token = client.get_cookie("remember_token").value
    fresh = app.test_client()
    fresh.set_cookie("remember_token", token)
    assert _opens_console(fresh, cast.office_a)  # it works while logged in
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("remember_token", token)
    assert not _opens_console(replay, cast.office_a)


def test_a_password_change_ends_every_session(app, cast: Cast):
    user = cast.users["operator_a"]
    client = app.test_client()
    _login(client, user, remember=True)
    token = client.get_cookie("remember_token").value
    user.set_password("a new password 9")
    db.session.commit()
    assert not _opens_console(client, cast.office_a)
    replay = app.test_client()
    replay.set_cookie("remember_token", token)
    assert not _opens_console(replay, cast.office_a)


def test_the_remember_cookie_changes_per_login_and_expires(app, cast: Cast):
    user = cast.users["operator_a"]
    tokens = []
    for _ in range(2):
        client = app.test_client()
        response = _login(client, user, remember=True)
        tokens.append(client.get_cookie("remember_token").value)
        header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
        expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", header).group(1))
        assert expires - dt.datetime.now(dt.timezone.utc) <= dt.timedelta(days=14, minutes=1)
    assert tokens[0] != tokens[1]
    # logging out on one device leaves the other logged in
    other = app.test_client()
    other.set_cookie("remember_token", tokens[0])
    assert _opens_console(other, cast.office_a)


@pytest.fixture()
def production_app(backend):
    """The application outside demo mode."""
    from booking import create_app
    from booking.redis_conn import redis_handle

    application = create_app(dict(backend["config"], DEMO_MODE=False))
    with application.app_context():
        yield application
        db.session.remove()
    redis_handle(application).close()


def _cookie_headers(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_cookies_are_secure_outside_demo_mode(production_app, app, cast: Cast):
    client = production_app.test_client()
    response = _login(client, cast.users["operator_a"], remember=True)
    cookies = _cookie_headers(response)
    assert {"session", "remember_token"} <= set(cookies)
    for name, header in cookies.items():
        assert "; Secure" in header, name


def test_cookies_are_not_secure_in_demo_mode(app, cast: Cast):
    """The demo is served over plain HTTP on the local machine."""
    response = _login(app.test_client(), cast.users["operator_a"], remember=True)
    assert all("; Secure" not in header for header in _cookie_headers(response).values())


def test_a_citizens_national_id_and_mobile_are_not_in_the_session_cookie(app, client):
    from booking.models import SmsMessage

    national_id, mobile = "0499370899", "09121234567"
    assert client.post("/my", data={"national_id": national_id, "mobile": mobile}).status_code == 200
    body = db.session.scalar(select(SmsMessage.body).order_by(SmsMessage.id.desc()))
    code = re.search(r"\d{6}", body).group(0)
    response = client.post("/my", data={"national_id": national_id, "mobile": mobile, "otp": code,
                                        "action": "confirm"})
    assert response.status_code == 302
    raw = client.get_cookie("session").value
    decoded = str(app.session_interface.inner.get_signing_serializer(app).loads(raw))
    for secret in (national_id, mobile, mobile[1:]):
        assert secret not in decoded and secret not in raw
    page = client.get("/my")
    assert page.status_code == 200 and 'action="/my/logout"' in page.get_data(as_text=True)  # still verified
    client.post("/my/logout")
    assert 'action="/my/logout"' not in client.get("/my").get_data(as_text=True)
