"""Staff login and the access rules every staff route uses.

* ``/login`` and ``/logout`` (Flask-Login, hashed passwords, CSRF through Flask-WTF).
* Wrong passwords are throttled per account and address, not counted on the account: after
  :data:`MAX_FAILED_LOGINS` wrong passwords for one username from one address, that address waits
  :data:`THROTTLE` before trying that username again (429), so nobody can lock a member of staff out from
  elsewhere. A browser that has logged in as that username before (the signed :data:`KNOWN_DEVICE_COOKIE`)
  is counted on its own, so a stranger behind the same office address cannot lock it out either. The answer
  and the work done are the same whether or not the username exists (an unknown username is checked
  against a dummy hash of the same cost).
* Each login is a :class:`~offices.models.StaffLogin` row whose secret the session and remember-me cookies
  carry: it ends on logout, on a password change and when it expires (:data:`SESSION_LIFETIME`, or
  :data:`REMEMBER_LIFETIME` with "keep me logged in"), and each login has its own secret.
* :func:`operator_required` guards the console (an operator only for their own office, an admin anywhere),
  :func:`supervisor_required` the supervisors' pages, and :func:`offices_in_scope` /
  :func:`can_see_office` say which offices a member of staff may see.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import math
import secrets
from typing import Any, Callable, TypeVar

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Select, delete, select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from booking.dates import utcnow
from booking.extensions import db, login_manager
from booking.i18n import local_digits
from booking.limits import client_address
from booking.redirects import safe_next
from offices.models import District, Office, Role, Scope, StaffLogin, User

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

MAX_FAILED_LOGINS = 5
THROTTLE = dt.timedelta(minutes=15)
SESSION_LIFETIME = dt.timedelta(hours=12)
REMEMBER_LIFETIME = dt.timedelta(days=14)
KNOWN_DEVICE_COOKIE = "safnama_device"
KNOWN_DEVICE_LIFETIME = dt.timedelta(days=90)
KNOWN_DEVICE_USERS = 5  # usernames one browser remembers

#: Checked when the username is unknown, so that the answer takes as long as for a real one.
DUMMY_HASH = generate_password_hash(secrets.token_hex(16))

F = TypeVar("F", bound=Callable[..., Any])


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this computer"))


class LoginRefused(Exception):
    """A login attempt failed; the message is safe to show (it never says whether the username exists)."""

    status = 401


class LoginThrottled(LoginRefused):
    """Too many wrong passwords for this username from this address (or known browser)."""

    status = 429

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(_("Too many wrong passwords for this username from here. "
                           "Please try again in %(minutes)s minutes.", minutes=local_digits(minutes)))


# ---------------------------------------------------------------- throttling

def _failures_key(username: str, source: str) -> str:
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"login-failures:{name}:{source}"


def authenticate(username: str, password: str, source: str) -> User:
    """Check a username and password, throttling wrong passwords per username and ``source``.

    Args:
        username: as typed.
        password: as typed.
        source: whom the failures are counted against: ``addr:<address>``, or ``device:<id>`` for a
            browser that has logged in as this username before (see :func:`login_source`).

    Raises:
        LoginThrottled: :data:`MAX_FAILED_LOGINS` wrong passwords from ``source`` within :data:`THROTTLE`
            (even the right password waits), the same for a username that does not exist.
        LoginRefused: unknown user, wrong password or inactive account, one message for all.
    """
    from booking.redis_conn import get_redis
    from offices.live import REDIS_ERRORS

    key = _failures_key(username, source)
    redis = get_redis()
    try:
        failures = int(redis.get(key) or 0)
    except REDIS_ERRORS as error:  # no throttling while Redis is away (logged): staff can still log in
        log.warning("login throttling skipped, Redis unavailable: %s", error)
        redis, failures = None, 0
    if redis is not None and failures >= MAX_FAILED_LOGINS:
        check_password_hash(DUMMY_HASH, password)  # the same work as any other answer
        raise LoginThrottled(max(1, int(redis.ttl(key))))
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    matches = check_password_hash(user.password_hash if user is not None else DUMMY_HASH, password)
    if user is None or not matches or not user.active:
        if redis is not None:
            try:
                with redis.pipeline() as pipe:
                    pipe.incr(key)
                    pipe.expire(key, int(THROTTLE.total_seconds()))
                    pipe.execute()
            except REDIS_ERRORS as error:
                log.warning("login failure not counted, Redis unavailable: %s", error)
        raise LoginRefused(_("The username or password is wrong."))
    if redis is not None:
        try:
            redis.delete(key)
        except REDIS_ERRORS:
            pass
    return user


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="safnama-known-device")


def _known_device() -> dict[str, Any] | None:
    """This browser's signed known-device cookie: ``{"id": …, "users": [usernames]}``, or None."""
    raw = request.cookies.get(KNOWN_DEVICE_COOKIE)
    if not raw:
        return None
    try:
        value = _device_serializer().loads(raw, max_age=int(KNOWN_DEVICE_LIFETIME.total_seconds()))
    except BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("id"), str) \
            or not isinstance(value.get("users"), list):
        return None
    return value


def login_source(username: str) -> str:
    """Whom wrong passwords for ``username`` in this request count against: this browser when it has logged
    in as that username before, else the client's address."""
    device = _known_device()
    if device is not None and username.strip().lower() in device["users"]:
        return f"device:{device['id']}"
    return f"addr:{client_address()}"


def remember_device(response: Response, user: User) -> None:
    """Set (or extend) the signed cookie saying that this browser has logged in as this user."""
    device = _known_device() or {"id": secrets.token_urlsafe(16), "users": []}
    name = user.username.lower()
    users = [name] + [u for u in device["users"] if u != name][:KNOWN_DEVICE_USERS - 1]
    response.set_cookie(KNOWN_DEVICE_COOKIE, _device_serializer().dumps({"id": device["id"], "users": users}),
                        max_age=int(KNOWN_DEVICE_LIFETIME.total_seconds()), httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))


# ---------------------------------------------------------------- logins (sessions)

def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def start_login(user: User, remember: bool) -> str:
    """Record a new login of ``user`` (and drop its expired ones); returns the secret the cookies carry."""
    now = utcnow()
    db.session.execute(delete(StaffLogin).where(StaffLogin.user_id == user.id, StaffLogin.expires_at <= now))
    token = secrets.token_urlsafe(32)
    lifetime = REMEMBER_LIFETIME if remember else SESSION_LIFETIME
    db.session.add(StaffLogin(digest=_digest(token), user_id=user.id, password_stamp=_digest(user.password_hash),
                              created_at=now, expires_at=now + lifetime))
    db.session.flush()
    user.login_token = token
    return token


def user_for_login(token: str) -> User | None:
    """The member of staff whose current login has this secret; None when it has ended (logout, expiry,
    password change)."""
    if not token:
        return None
    login = db.session.get(StaffLogin, _digest(token))
    if login is None or login.expires_at <= utcnow():
        return None
    user = db.session.get(User, login.user_id)
    if user is None or not secrets.compare_digest(login.password_stamp, _digest(user.password_hash)):
        return None
    user.login_token = token
    return user


def end_login(token: str | None) -> None:
    """End one login (logout)."""
    if token:
        db.session.execute(delete(StaffLogin).where(StaffLogin.digest == _digest(token)))


def landing_page(user: User) -> str:
    """Where a member of staff goes after logging in."""
    if user.role == Role.SUPERVISOR.value and "dashboard.overview" in current_app.view_functions:
        return url_for("dashboard.overview")
    if "console.board" in current_app.view_functions and user.role in (Role.OPERATOR.value, Role.ADMIN.value):
        return url_for("console.board")
    return url_for("public.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status, retry_after = 200, None
    if form.validate_on_submit():
        username = form.username.data or ""
        try:
            user = authenticate(username, form.password.data or "", login_source(username))
        except LoginRefused as refused:
            flash(str(refused), "error")
            status = refused.status
            retry_after = getattr(refused, "retry_after", None)
        else:
            remember = bool(form.remember.data)
            start_login(user, remember)
            db.session.commit()
            login_user(user, remember=remember, duration=REMEMBER_LIFETIME)
            response = redirect(safe_next(request.args.get("next")) or landing_page(user))
            remember_device(response, user)
            return response
    elif request.method == "POST":
        status = 400
    response = current_app.make_response((render_template("auth/login.html", form=form), status))
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.post("/logout")
@login_required
def logout():
    end_login(current_user.login_token)
    db.session.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("public.home"))


# ---------------------------------------------------------------- access rules

def offices_in_scope(user: User) -> Select[tuple[int]]:
    """A SELECT of the ids of the offices this member of staff may see."""
    query = select(Office.id)
    if user.role == Role.ADMIN.value:
        return query
    if user.role == Role.OPERATOR.value:
        return query.where(Office.id == user.office_id)
    if user.role == Role.SUPERVISOR.value:
        if user.scope == Scope.NATION.value:
            return query
        if user.scope == Scope.PROVINCE.value:
            return query.join(District, Office.district_id == District.id).where(
                District.province_id == user.province_id)
        if user.scope == Scope.DISTRICT.value:
            return query.where(Office.district_id == user.district_id)
    return query.where(False)


def can_see_office(user: User, office: Office) -> bool:
    """Whether this member of staff may see (and, for operators and admins, act on) this office."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.ADMIN.value:
        return True
    if user.role == Role.OPERATOR.value:
        return user.office_id == office.id
    if user.role == Role.SUPERVISOR.value:
        if user.scope == Scope.NATION.value:
            return True
        if user.scope == Scope.PROVINCE.value:
            return office.district.province_id == user.province_id
        if user.scope == Scope.DISTRICT.value:
            return office.district_id == user.district_id
    return False


def can_operate_office(user: User, office: Office) -> bool:
    """Whether this member of staff may run this office's queue: its own operator, or an admin."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role == Role.ADMIN.value or (user.role == Role.OPERATOR.value and user.office_id == office.id)


def _role_required(roles: tuple[str, ...]) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def operator_required(view: F) -> F:
    """Only operators and admins. A view with an ``office_code`` argument is further limited to an
    operator's own office (403 otherwise); a view without one acts on the operator's own office."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in (Role.OPERATOR.value, Role.ADMIN.value):
            abort(403)
        code = kwargs.get("office_code")
        if code is not None:
            office = db.session.scalar(select(Office).where(Office.code == code))
            if office is None:
                abort(404)
            if not can_operate_office(current_user, office):
                abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


supervisor_required = _role_required((Role.SUPERVISOR.value, Role.ADMIN.value))
"""Only supervisors and admins; use :func:`can_see_office` / :func:`offices_in_scope` for the offices."""


def init_login_manager() -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "info"


init_login_manager()
