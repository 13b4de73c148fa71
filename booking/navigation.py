"""The site's main navigation: each feature's entry shows once its blueprint is registered."""
from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_babel import lazy_gettext as _l

# (endpoint, label): the order people see.
MAIN_NAV = [
    ("public.home", _l("Home")),
    ("citizen.find_office", _l("Find an office")),
    ("citizen.my_appointments", _l("My appointments")),
    ("console.board", _l("Operator console")),
    ("dashboard.overview", _l("Supervisors")),
]


def init_app(app: Flask) -> None:
    @app.context_processor
    def navigation() -> dict:
        items = []
        for endpoint, label in MAIN_NAV:
            if endpoint in current_app.view_functions:
                items.append({"url": url_for(endpoint), "label": label,
                              "current": request.endpoint == endpoint})
        return {"main_nav": items}
