"""Public pages that need no login: the home page and the province lists."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for

from booking.redirects import safe_next
from offices import directory

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return render_template("home.html", summaries=directory.province_summaries())


@bp.get("/provinces/<code>")
def province(code: str):
    found = directory.province_by_code(code)
    if found is None:
        abort(404)
    return render_template("province.html", province=found, offices=directory.offices_in_province(found))


@bp.get("/language/<lang>")
def set_language(lang: str):
    """Keep the chosen language in the session and go back where the visitor was."""
    if lang not in ("fa", "en"):
        abort(404)
    session["lang"] = lang
    return redirect(safe_next(request.args.get("next")) or url_for("public.home"))
