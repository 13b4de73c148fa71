"""Public pages that need no login: the home page and the province lists."""
from __future__ import annotations

from itertools import groupby

from flask import Blueprint, abort, redirect, render_template, request, session, url_for

from booking import page_cache
from booking.redirects import safe_next
from offices import directory

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    # The same for every visitor in a language: rendered once for them all within seconds.
    content = page_cache.fragment(("home",), lambda: render_template("_home_content.html",
                                                                     summaries=directory.province_summaries()))
    return render_template("home.html", content=content)


@bp.get("/provinces/<code>")
def province(code: str):
    found = directory.province_by_code(code)
    if found is None:
        abort(404)
    from booking.finder import live_loads

    offices = directory.offices_in_province(found)  # by district, in Persian order
    by_district = [(district, list(group)) for district, group in groupby(offices, key=lambda o: o.district)]
    return render_template("province.html", province=found, offices=offices, by_district=by_district,
                           loads=live_loads([o.id for o in offices]))


@bp.get("/language/<lang>")
def set_language(lang: str):
    """Keep the chosen language in the session and go back where the visitor was."""
    if lang not in ("fa", "en"):
        abort(404)
    session["lang"] = lang
    return redirect(safe_next(request.args.get("next")) or url_for("public.home"))
