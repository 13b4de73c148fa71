"""Staff login and the access rules every staff route uses.

* ``/login`` and ``/logout`` (Flask-Login, hashed passwords, CSRF through Flask-WTF): after
  :data:`MAX_FAILED_LOGINS` wrong passwords in a row an account is locked for :data:`LOCKOUT`.
* :func:`operator_required` guards the console (an operator only for their own office, an admin anywhere),
  :func:`supervisor_required` the supervisors' pages, and :func:`offices_in_scope` /
  :func:`can_see_office` say which offices a member of staff may see.
"""
from __future__ import annotations

import datetime as dt
import functools
from typing import Any, Callable, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import Select, select
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from booking.dates import utcnow
from booking.extensions import db, login_manager
from offices.models import District, Office, Role, Scope, User

bp = Blueprint("auth", __name__)

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)

F = TypeVar("F", bound=Callable[..., Any])


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this computer"))


class LoginRefused(Exception):
    """A login attempt failed; the message is safe to show."""


def authenticate(username: str, password: str, now: dt.datetime | None = None) -> User:
    """Check a username and password, counting failures and locking the account after too many.

    Commits the failure count (so that it survives the request) and returns the user on success.

    Raises:
        LoginRefused: unknown user, wrong password, inactive or locked account (one message for the first
            two so that usernames cannot be probed).
    """
    now = now or utcnow()
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        raise LoginRefused(_("The username or password is wrong."))
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise LoginRefused(_("Too many wrong passwords: this account is locked for %(minutes)s minutes.",
                             minutes=minutes))
    if not user.check_password(password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        db.session.commit()
        raise LoginRefused(_("The username or password is wrong."))
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()
    return user


def landing_page(user: User) -> str:
    """Where a member of staff goes after logging in."""
    from flask import current_app

    if user.role == Role.SUPERVISOR.value and "dashboard.overview" in current_app.view_functions:
        return url_for("dashboard.overview")
    if "console.board" in current_app.view_functions and user.role in (Role.OPERATOR.value, Role.ADMIN.value):
        return url_for("console.board")
    return url_for("public.home")


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data or "", form.password.data or "")
        except LoginRefused as refused:
            flash(str(refused), "error")
            status = 401
        else:
            login_user(user, remember=bool(form.remember.data))
            return redirect(_safe_next(request.args.get("next")) or landing_page(user))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
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
