"""The blueprint of :mod:`booking.api`; the views register their routes on it."""
from __future__ import annotations

import re

from flask import Blueprint, Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin

from booking.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)

_LIVE_LOAD_PATH = re.compile(r"/api/offices/[^/]+/load")


class LiveLoadWithoutSession(SessionInterface):
    """The application's sessions, but none for ``GET /api/offices/<code>/load``, the most polled path: its
    cookie is neither verified nor rewritten (Flask gives the request a read-only empty session)."""

    def __init__(self, inner: SessionInterface) -> None:
        self.inner = inner

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if request.method in ("GET", "HEAD") and _LIVE_LOAD_PATH.fullmatch(request.path):
            return None
        return self.inner.open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not self.is_null_session(session):
            self.inner.save_session(app, session, response)

    def make_null_session(self, app: Flask):  # noqa: ANN201  (the inner interface's null session class)
        return self.inner.make_null_session(app)

    def is_null_session(self, obj: object) -> bool:
        return self.inner.is_null_session(obj)


@bp.record_once
def _sessions(state) -> None:
    state.app.session_interface = LiveLoadWithoutSession(state.app.session_interface)
