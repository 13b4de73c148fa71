"""Supervisors' dashboard pages. Each view parses its arguments, checks access, calls one service function, renders."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any, NoReturn

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from booking import maps
from booking.csv_export import csv_response
from booking.dates import ascii_digits, jalali_date, parse_day_text, to_tehran, utcnow
from booking.extensions import db
from booking.i18n import current_locale, local_number
from offices import estimates, heatmaps, kpis, whatif
from offices.auth import supervisor_required
from offices.dashboard.blueprint import bp
from offices.dashboard import complaints as complaint_ops
from offices.dashboard.access import can_see_unit, home_unit
from offices.models import Office

# ---------------------------------------------------------------- parsing helpers

def fail(status: int, message: str) -> NoReturn:
    """Stop the request with ``status`` and a message shown to the user (in their language)."""
    error = HTTPException(description=message)
    error.code = status
    error.safnama_detail = True  # type: ignore[attr-defined]
    raise error


def load_unit(level: str, code: str | None) -> kpis.Unit:
    """The unit named in the URL, or 404; 403 when the supervisor's scope does not include it."""
    try:
        unit = kpis.find_unit(level, code)
    except kpis.KpiInputError:
        fail(404, _("There is no unit with the code %(code)s.", code=code or ""))
    if not can_see_unit(current_user, unit):
        abort(403)
    return unit


def arg_choice(name: str, allowed: Iterable[str], default: str) -> str:
    value = request.args.get(name, default) or default
    allowed = tuple(allowed)
    if value not in allowed:
        fail(400, _("“%(value)s” is not a valid value for %(name)s; use one of: %(allowed)s.",
                    value=value[:40], name=name, allowed=", ".join(allowed)))
    return value


def arg_number(name: str, default: float, low: float, high: float) -> float:
    raw = ascii_digits(request.args.get(name, "") or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        fail(400, _("%(name)s must be a number.", name=name))
    if not low <= value <= high:
        fail(400, _("%(name)s must be between %(low)s and %(high)s.", name=name, low=local_number(low), high=local_number(high)))
    return value


def parse_day(raw: str | None, default: dt.date) -> dt.date:
    """A day as ``2026-11-24`` (Gregorian) or ``1405/09/03`` (Jalali, Persian digits accepted)."""
    if not ascii_digits(raw or "").strip():
        return default
    try:
        return parse_day_text(raw or "")
    except (ValueError, TypeError):
        fail(400, _("“%(value)s” is not a date; write it as 1405/09/03.", value=(raw or "")[:20]))


def unit_url(unit: kpis.Unit, **args: Any) -> str:
    if unit.level == "nation":
        return url_for("dashboard.overview", **args)
    return url_for("dashboard.unit", level=unit.level, code=unit.code, **args)


@bp.app_template_global()
def kpi_text(key: str, value: float | None) -> str:
    """A KPI value for display: Persian digits in Persian."""
    return kpis.format_value(key, value, current_locale())


@bp.context_processor
def dashboard_helpers() -> dict[str, Any]:
    from booking.fair_access import may_manage_province

    return {"unit_url": unit_url, "KPIS": kpis.KPIS, "PERIODS": kpis.PERIODS,
            "may_manage_province": may_manage_province}


def _raw(value: float | None) -> str:
    return "" if value is None else (f"{value:.6g}" if isinstance(value, float) else str(value))


# ---------------------------------------------------------------- KPI pages

@bp.get("/")
@supervisor_required
def overview():
    """The national page for national supervisors; the others go to their province or district."""
    unit = home_unit(current_user)
    if unit is None:
        abort(403)
    if unit.level != "nation":
        return redirect(unit_url(unit, **request.args))
    return _unit_page(unit)


@bp.get("/<any(province, district, office):level>/<code>")
@supervisor_required
def unit(level: str, code: str):
    return _unit_page(load_unit(level, code))


def _unit_page(unit: kpis.Unit):
    period = arg_choice("period", kpis.PERIODS, "today")
    sort = arg_choice("sort", kpis.SORT_KEYS, "name")
    direction = arg_choice("dir", ("asc", "desc"), "asc" if sort == "name" else "desc")
    rank = request.args.get("rank") or None
    if rank is not None:
        rank = arg_choice("rank", kpis.KPI_BY_KEY, "avg_wait")
    rows_of = arg_choice("rows", ("children", "offices"), "children")
    fmt = arg_choice("format", ("html", "csv"), "html")
    page = kpis.kpi_page(unit, period, by_office=(rows_of == "offices" or rank is not None) and unit.level != "office")
    db.session.commit()  # keeps the daily roll-up of finished days that the page may have made
    if fmt == "csv":
        return _page_csv(page, sort, direction, rank)
    highest, lowest = page.extremes(rank) if rank else ([], [])
    rows = [] if rank else page.sorted_rows(sort, direction == "desc")
    fitted = estimates.fitted_at(unit.id) if unit.level == "office" else None
    office = db.session.get(Office, unit.id) if unit.level == "office" else None
    return render_template("dashboard/unit.html", unit=unit, page=page, rows=rows, sort=sort, direction=direction,
                           rank=rank, rows_of=rows_of, highest=highest, lowest=lowest, fitted=fitted,
                           refit_days=estimates.REFIT_DAYS, office=office)


@bp.post("/office/<code>/settings")
@supervisor_required
def office_settings(code: str):
    """An office's settings a supervisor of it may change: whether called citizens are texted the counter."""
    from offices.queue_ops import set_sms_on_call

    unit = load_unit("office", code)
    office = db.session.get(Office, unit.id)
    on = set_sms_on_call(office, request.form.get("sms_on_call") == "y")
    db.session.commit()
    flash(_("Called citizens are texted the counter.") if on else _("Called citizens are no longer texted."), "ok")
    return redirect(url_for("dashboard.unit", level="office", code=office.code), 303)


def _page_csv(page: kpis.KpiPage, sort: str, direction: str, rank: str | None) -> Response:
    header = ["level", "code", "name_fa", "name_en", "offices"] + [k.key for k in kpis.KPIS]
    if rank:
        highest, lowest = page.extremes(rank)
        header = ["group"] + header
        rows = [[group, r.unit.level, r.unit.code, r.unit.name_fa, r.unit.name_en, r.offices]
                + [_raw(r.values[k.key]) for k in kpis.KPIS]
                for group, chosen in (("highest", highest), ("lowest", lowest)) for r in chosen]
    else:
        rows = [[r.unit.level, r.unit.code, r.unit.name_fa, r.unit.name_en, r.offices]
                + [_raw(r.values[k.key]) for k in kpis.KPIS] for r in page.sorted_rows(sort, direction == "desc")]
        rows.append([page.unit.level, page.unit.code, page.unit.name_fa, page.unit.name_en, page.offices]
                    + [_raw(page.total[k.key]) for k in kpis.KPIS])
    name = f"safnama-{page.unit.level}-{page.unit.code}-{page.period}{'-' + rank if rank else ''}.csv"
    return csv_response(name, header, rows)


# ---------------------------------------------------------------- heatmaps

@bp.get("/nation/heatmap", defaults={"level": "nation", "code": None})
@bp.get("/<any(province, district, office):level>/<code>/heatmap")
@supervisor_required
def heatmap(level: str, code: str | None):
    unit = load_unit(level, code)
    metric = arg_choice("metric", heatmaps.METRICS, "arrivals")
    days = int(arg_choice("days", ("7", "30", "90"), "30"))
    today = to_tehran(utcnow()).date()
    day = parse_day(request.args.get("day"), today)
    locale = current_locale()

    def office_link(office_code: str) -> str:
        return url_for("dashboard.heatmap", level="office", code=office_code, metric=metric)

    pictures = {
        "today": heatmaps.offices_by_hour(unit, day, locale, metric, link=office_link),
        "week": heatmaps.weekday_by_hour(unit, today, days, locale, metric),
    }
    # an office's map shows its whole district, so that it can be compared with its neighbours
    drawing, points = heatmaps.load_map_and_points(unit.parent if unit.level == "office" else unit, locale,
                                                   link=office_link)
    title = _("Map of the load now")
    pictures["map"] = maps.street_map(
        drawing, points, tiles=current_app.config.get("MAP_TILE_URL", ""),
        attribution=current_app.config.get("MAP_TILE_ATTRIBUTION", ""), title=title,
        offline=_("The street map could not be loaded; this drawing shows the same offices."),
        legend=heatmaps.load_legend(locale))
    return render_template("dashboard/heatmap.html", unit=unit, metric=metric, days=days, day=day,
                           day_text=jalali_date(day, locale), pictures=pictures)


@bp.get("/nation/heatmap/<any(today, week, map):kind>.svg", defaults={"level": "nation", "code": None})
@bp.get("/<any(province, district, office):level>/<code>/heatmap/<any(today, week, map):kind>.svg")
@supervisor_required
def heatmap_svg(level: str, code: str | None, kind: str):
    """One heatmap as a standalone SVG image."""
    unit = load_unit(level, code)
    metric = arg_choice("metric", heatmaps.METRICS, "arrivals")
    days = int(arg_choice("days", ("7", "30", "90"), "30"))
    today = to_tehran(utcnow()).date()
    locale = current_locale()
    if kind == "today":
        svg = heatmaps.offices_by_hour(unit, parse_day(request.args.get("day"), today), locale, metric)
    elif kind == "week":
        svg = heatmaps.weekday_by_hour(unit, today, days, locale, metric)
    else:
        svg = heatmaps.load_map(unit, locale)
    return Response('<?xml version="1.0" encoding="UTF-8"?>\n' + str(svg), mimetype="image/svg+xml")


# ---------------------------------------------------------------- what-if staffing

@bp.get("/office/<code>/whatif")
@supervisor_required
def what_if(code: str):
    unit = load_unit("office", code)
    office = db.session.get(Office, unit.id)
    day = parse_day(request.args.get("day"), whatif.planning_day(office, utcnow()))
    target = arg_number("target", 20.0, 1.0, 240.0)
    share = arg_number("share", 90.0, 50.0, 99.0)
    change = arg_choice("change", whatif.CHANGES, "none")
    hours = [str(h) for h in range(24)]
    move_from = request.args.get("from") or None
    move_to = request.args.get("to") or None
    if move_from is not None:
        move_from = arg_choice("from", hours, "0")
    if move_to is not None:
        move_to = arg_choice("to", hours, "0")
    try:
        result = whatif.plan(office, day, target=target, quantile=share / 100.0, change=change,
                             move_from=int(move_from) if move_from else None,
                             move_to=int(move_to) if move_to else None)
    except whatif.WhatIfInputError as error:
        fail(400, _("This what-if cannot be computed: %(reason)s", reason=str(error)))
    if request.args.get("format") == "csv":
        header = ["hour", "arrivals_per_hour", "counters_actual", "counters_needed", "counters_changed",
                  "mean_wait_actual", "mean_wait_changed", "share_within_target_actual", "share_within_target_changed"]
        rows = [[h.hour, f"{h.arrivals:.3f}", f"{h.actual:.2f}", h.needed, f"{h.changed:.2f}", f"{h.wait_actual:.2f}",
                 f"{h.wait_changed:.2f}", f"{h.within_actual:.4f}", f"{h.within_changed:.4f}"] for h in result.hours]
        return csv_response(f"safnama-whatif-{office.code}-{day.isoformat()}.csv", header, rows)
    return render_template("dashboard/whatif.html", unit=unit, office=office, plan=result, summary=result.summary(), inf=math.inf,
                           day_text=jalali_date(day, current_locale(), with_weekday=True), target=target, share=share,
                           day_input=jalali_date(day, "en"))


# ---------------------------------------------------------------- complaints (supervisors)

@bp.get("/complaints")
@supervisor_required
def complaints():
    unit = home_unit(current_user)
    if unit is None:
        abort(403)
    status = request.args.get("status") or None
    if status is not None:
        status = arg_choice("status", complaint_ops.STATUSES, "new")
    office = (request.args.get("office") or "")[:100]
    search = (request.args.get("q") or "")[:100]
    found = db.session.scalars(complaint_ops.complaints_query(unit, status, office=office, search=search)
                               .limit(500)).all()
    if request.args.get("format") == "csv":
        header = ["code", "office_code", "office_fa", "status", "created_at_utc", "appointment_code", "text", "answer"]
        rows = [[c.public_code, c.office.code, c.office.name_fa, c.status, c.created_at.isoformat(),
                 c.appointment_code or "", c.text, c.answer] for c in found]
        return csv_response("safnama-complaints.csv", header, rows)
    return render_template("dashboard/complaints.html", unit=unit, complaints=found, status=status, office=office,
                           search=search)


@bp.route("/complaints/<code>", methods=["GET", "POST"])
@supervisor_required
def complaint(code: str):
    from offices.dashboard.forms import AnswerForm

    found = complaint_ops.find_complaint(code)
    if found is None:
        fail(404, _("There is no complaint with the code %(code)s.", code=code))
    unit = load_unit("office", found.office.code)
    form = AnswerForm(obj=found)
    if form.validate_on_submit():
        try:
            complaint_ops.answer_complaint(found, current_user, form.status.data, form.answer.data)
        except complaint_ops.ComplaintError:
            db.session.rollback()
            flash(_("A resolved complaint needs an answer the citizen can read."), "error")
            return render_template("dashboard/complaint.html", unit=unit, complaint=found, form=form), 422
        db.session.commit()
        flash(_("The answer is saved."), "info")
        return redirect(url_for("dashboard.complaint", code=found.public_code))
    status = 400 if request.method == "POST" else 200
    return render_template("dashboard/complaint.html", unit=unit, complaint=found, form=form), status


# ---------------------------------------------------------------- fair access: rules and no-show bans

@bp.route("/province/<code>/rules", methods=["GET", "POST"])
@supervisor_required
def province_rules(code: str):
    """A province's fair-access rules: seen and changed by its supervisors, national supervisors and admins."""
    from booking import fair_access
    from booking.service_errors import ServiceError
    from offices.models import Province

    unit = load_unit("province", code)
    if not fair_access.may_manage_province(current_user, unit.id):
        abort(403)
    province = db.session.get(Province, unit.id)
    errors: dict[str, str] = {}
    values: Any = request.form if request.method == "POST" else fair_access.rules_for_province(province.id).__dict__
    if request.method == "POST":
        try:
            fair_access.save_rules(province, request.form, current_user)
        except ServiceError as error:
            db.session.rollback()
            errors[error.field or "form"] = str(error)
        else:
            db.session.commit()
            flash(_("The booking rules of this province are saved."), "info")
            return redirect(url_for("dashboard.province_rules", code=unit.code))
    return render_template("dashboard/rules.html", unit=unit, values=values, errors=errors,
                           fields=fair_access.FIELDS, limits=fair_access.LIMITS,
                           defaults=fair_access.DEFAULTS.__dict__), 422 if errors else 200


def _may_lift_bans() -> bool:
    from offices.models import Role, Scope

    return current_user.role == Role.ADMIN.value or current_user.scope in (Scope.NATION.value, Scope.PROVINCE.value)


@bp.get("/bans")
@supervisor_required
def bans():
    """The no-show bans in force that this supervisor may lift (province and national scope)."""
    from booking import fair_access

    if not _may_lift_bans():
        abort(403)
    return render_template("dashboard/bans.html", unit=home_unit(current_user),
                           bans=fair_access.bans_in_scope(current_user))


@bp.post("/bans/<int:ban_id>/lift")
@supervisor_required
def lift_ban(ban_id: int):
    from booking import fair_access
    from booking.service_errors import ServiceError

    if not _may_lift_bans():
        abort(403)
    try:
        fair_access.lift_ban(ban_id, current_user, request.form.get("reason", ""))
    except ServiceError as error:
        db.session.rollback()
        fail(error.status, str(error))
    db.session.commit()
    flash(_("The ban is lifted; the citizen can book online again."), "info")
    return redirect(url_for("dashboard.bans"))
