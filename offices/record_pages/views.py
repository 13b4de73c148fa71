"""Record pages: parse the URL, look the office or city up, call one service function, render."""
from __future__ import annotations

from flask import abort, render_template

from offices import records
from offices.record_pages.blueprint import bp


@bp.get("/records")
def index():
    """Every city with offices, grouped by province, each linking to its league table."""
    by_province: dict[str, dict] = {}
    for city in records.cities():
        group = by_province.setdefault(city["province_code"], {"code": city["province_code"],
                                                               "name_fa": city["province_fa"],
                                                               "name_en": city["province_en"], "cities": []})
        group["cities"].append(city)
    return render_template("records/index.html", provinces=list(by_province.values()),
                           min_visits=records.MIN_VISITS, days=records.RECORD_DAYS)


@bp.get("/records/<province_code>/<city_en>")
def league(province_code: str, city_en: str):
    """A city's offices ranked by median wait over the last 30 days, with the city's own figures."""
    table = records.city_league(records.CityKey(province_code, city_en))
    if table is None:
        abort(404)
    return render_template("records/league.html", league=table, min_visits=records.MIN_VISITS,
                           days=records.RECORD_DAYS)


@bp.get("/offices/<code>/record")
def office(code: str):
    """One office's record next to its city's figures, and its place in the city's league table."""
    found = records.office_by_code(code)
    if found is None:
        abort(404)
    record = records.office_record(found)
    return render_template("records/office.html", record=record, office=found, league=record.league,
                           min_visits=records.MIN_VISITS, days=records.RECORD_DAYS)
