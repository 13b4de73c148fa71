"""The staff audit log: every state-changing request by a member of staff, and every login attempt.

The console's queue actions are also in the append-only queue event log (``offices.models.QueueEvent``);
this table covers everything else as well — supervisors answering complaints, counters, logins and
logouts, failed logins — without each view having to remember it: :func:`record_request` runs after every
request and writes one row for each POST/PUT/PATCH/DELETE made by a logged-in member of staff and for each
``POST /login``. Rows are written on their own connection, after the view's own commit, and never updated.
"""
from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, Response, g, request
from sqlalchemy import Integer, String, event, insert
from sqlalchemy.orm import Mapped, mapped_column

from booking.dates import UTCDateTime, utcnow
from booking.extensions import db

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALWAYS_AUDITED = frozenset({"auth.login"})


class AuditEntry(db.Model):
    """One staff action: who, what (endpoint and path), the outcome (HTTP status), when and from where."""

    __tablename__ = "staff_audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(12))
    action: Mapped[str] = mapped_column(String(80))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(300))
    status: Mapped[int] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(45))


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper, connection, target) -> None:  # pragma: no cover - a programming error
    raise RuntimeError("the staff audit log is append-only")


def _actor() -> tuple[int | None, str, str | None]:
    from flask_login import current_user

    if current_user.is_authenticated:
        return current_user.id, current_user.username, current_user.role
    return None, (request.form.get("username") or "").strip()[:64], None


def remember_actor() -> None:
    """``before_request``: note who acts before the view runs (a logout forgets the user)."""
    if request.method in SAFE_METHODS or request.endpoint is None:
        return
    try:
        g.audit_actor = _actor()
    except Exception:  # the database is away; the view will answer 503  # noqa: BLE001
        g.audit_actor = None


def record_request(response: Response) -> Response:
    """``after_request``: write an audit row for a staff action or a login attempt (never fails the request)."""
    actor = g.pop("audit_actor", None)
    if actor is None:
        return response
    try:
        user_id, username, role = actor
        if user_id is None and request.endpoint not in ALWAYS_AUDITED:
            return response
        with db.engine.begin() as connection:
            connection.execute(insert(AuditEntry).values(
                at=utcnow(), user_id=user_id, username=username, role=role, action=request.endpoint[:80],
                method=request.method, path=request.path[:300], status=response.status_code,
                address=(request.remote_addr or "")[:45] or None))
    except Exception as exc:  # the database is away: the action itself has already been answered  # noqa: BLE001
        log.warning("audit entry not written for %s %s: %s", request.method, request.path, exc)
    return response


def init_app(app: Flask) -> None:
    app.before_request(remember_actor)
    app.after_request(record_request)
