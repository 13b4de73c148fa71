"""Planning pages (supervisors): parse, check access, call one service function, render.

``GET /planning/`` lists the cities the supervisor may plan; ``GET /planning/<province>/<city>`` shows the
latest plan of a city (or its progress, refreshing itself every few seconds without a script) and the form;
``POST`` the form to queue a new run.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from booking import maps
from booking.extensions import db
from booking.i18n import current_locale
from offices.auth import supervisor_required
from offices.models import Province
from offices.planning import service
from offices.planning.blueprint import bp
from offices.planning.maps import plan_legend, plan_map, plan_points


def _messages() -> dict[str, str]:
    return {"no_offices": _("This city has no active offices."),
            "no_visits": _("This city's offices have had no visits in the last four weeks; there is no demand to plan for."),
            "bad_new_offices": _("New offices must be a whole number from 1 to 5."),
            "bad_counters": _("Counters of each new office must be a whole number from 1 to 10."),
            "bad_days": _("Simulated days must be a whole number from 1 to 5.")}


def _city_or_abort(province_code: str, city_en: str) -> Province:
    """The province of a city that exists and that the supervisor may plan (404 / 403)."""
    province = db.session.scalar(select(Province).where(Province.code == province_code))
    if province is None or not service.city_office_ids(province.id, city_en):
        abort(404)
    if not service.can_plan(current_user, province, city_en):
        abort(403)
    return province


@bp.get("/")
@supervisor_required
def index():
    return render_template("planning/index.html", cities=service.cities_in_scope(current_user))


@bp.route("/<province_code>/<city_en>", methods=["GET", "POST"])
@supervisor_required
def city(province_code: str, city_en: str):
    province = _city_or_abort(province_code, city_en)
    if request.method == "POST":
        try:
            params = service.clean_params(request.form.to_dict())
            run = service.request_plan(province, city_en, current_user, params)
        except service.PlanningError as error:
            flash(_messages().get(str(error), str(error)), "error")
            return redirect(url_for("planning.city", province_code=province_code, city_en=city_en))
        db.session.commit()
        service.enqueue_plan(run.id)
        return redirect(url_for("planning.city", province_code=province_code, city_en=city_en))
    run = service.latest_run(province, city_en)
    district = next(d for d in province.districts if d.city_en == city_en)
    result = run.result if run is not None and run.status == "done" else None
    return render_template("planning/city.html", province=province, city_en=city_en,
                           city_fa=district.city_fa, run=run, result=result,
                           progress=service.progress(run) if run else 0.0,
                           error=_messages().get(run.error, run.error) if run is not None and run.error else "",
                           plan_svg=_plan_street_map(result) if result else None,
                           limits=service.LIMITS,
                           params=(run.params if run is not None else {}))


def _plan_street_map(result: dict) -> Markup:
    """The plan's drawing, which ``static/js/map.js`` turns into a street map when tiles load."""
    locale = current_locale()
    return maps.street_map(plan_map(result, locale), plan_points(result, locale),
                           tiles=current_app.config.get("MAP_TILE_URL", ""),
                           attribution=current_app.config.get("MAP_TILE_ATTRIBUTION", ""),
                           title=_("Candidate sites for new offices and the offices of the city"),
                           offline=_("The street map could not be loaded; this drawing shows the same places."),
                           legend=plan_legend())
