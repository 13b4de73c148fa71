"""The site's main navigation: each feature's entry shows once its blueprint is registered, and staff
entries show only to the staff they are for."""
from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

PUBLIC, OPERATOR, SUPERVISOR = "public", "operator", "supervisor"

# (endpoint, label, audience): the order people see.
MAIN_NAV = [
    ("public.home", _l("Home"), PUBLIC),
    ("citizen.find_office", _l("Find an office"), PUBLIC),
    ("citizen.my_appointments", _l("My appointments"), PUBLIC),
    ("records.index", _l("Office records"), PUBLIC),
    ("console.board", _l("Operator console"), OPERATOR),
    ("dashboard.overview", _l("Supervisors"), SUPERVISOR),
    ("planning.index", _l("Planning"), SUPERVISOR),
]


def audiences_of(user) -> set[str]:
    """Which navigation audiences a visitor belongs to."""
    audiences = {PUBLIC}
    if getattr(user, "is_authenticated", False):
        if user.role in ("operator", "admin"):
            audiences.add(OPERATOR)
        if user.role in ("supervisor", "admin"):
            audiences.add(SUPERVISOR)
    return audiences


def init_app(app: Flask) -> None:
    @app.context_processor
    def navigation() -> dict:
        audiences = audiences_of(current_user)
        items = []
        for endpoint, label, audience in MAIN_NAV:
            if audience in audiences and endpoint in current_app.view_functions:
                items.append({"url": url_for(endpoint), "label": label,
                              "current": request.endpoint == endpoint})
        return {"main_nav": items, "staff_login_available": "auth.login" in current_app.view_functions}
