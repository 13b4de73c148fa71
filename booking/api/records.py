"""``GET /api/offices/<code>/record``: an office's public record for the last 30 days, next to its city's
figures and the city's league table by median wait (see :mod:`offices.records`)."""
from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from booking.api.blueprint import bp
from booking.api.spec import documented, json_response, path_param, problem_response
from booking.service_errors import NotFound
from offices import records


class RecordFiguresSchema(Schema):
    """An office's or a city's figures; below the visit threshold only ``visits`` and ``enough_visits``."""

    visits = fields.Integer(required=True, metadata={"description": "tickets taken in the period"})
    enough_visits = fields.Boolean(required=True, metadata={"description": "at least min_visits visits"})
    served = fields.Integer()
    wait_p50 = fields.Float(allow_none=True, metadata={"description": "median wait of those served, minutes"})
    wait_p90 = fields.Float(allow_none=True, metadata={"description": "90th-percentile wait, minutes"})
    booked_came = fields.Integer(metadata={"description": "booked citizens who came"})
    booked_on_time = fields.Float(allow_none=True, metadata={
        "description": "share of booked citizens who came whose service started within 15 minutes of their slot"})
    no_shows = fields.Integer()
    no_show_share = fields.Float(allow_none=True, metadata={"description": "no-shows / visits"})
    ratings = fields.Integer()
    satisfaction = fields.Float(allow_none=True, metadata={"description": "average rating, 1-5"})


class RecordPeriodSchema(Schema):
    first_day = fields.String(required=True, metadata={"format": "date"})
    last_day = fields.String(required=True, metadata={"format": "date"})
    days = fields.Integer(required=True)


class RecordCitySchema(Schema):
    province = fields.String(required=True, metadata={"description": "province code"})
    city_en = fields.String(required=True)
    city_fa = fields.String(required=True)
    offices = fields.Integer(required=True)
    figures = fields.Nested(RecordFiguresSchema, required=True)


class LeagueRowSchema(Schema):
    rank = fields.Integer(allow_none=True, metadata={"description": "empty below the visit threshold"})
    office = fields.String(required=True, metadata={"description": "office code"})
    name_fa = fields.String(required=True)
    name_en = fields.String(required=True)
    visits = fields.Integer(required=True)
    wait_p50 = fields.Float(allow_none=True, metadata={"description": "minutes"})
    wait_p90 = fields.Float(allow_none=True, metadata={"description": "minutes"})


class OfficeRecordSchema(Schema):
    """An office's public record for the last 30 complete days."""

    office = fields.String(required=True)
    name_fa = fields.String(required=True)
    name_en = fields.String(required=True)
    period = fields.Nested(RecordPeriodSchema, required=True)
    min_visits = fields.Integer(required=True)
    figures = fields.Nested(RecordFiguresSchema, required=True)
    city = fields.Nested(RecordCitySchema, required=True)
    rank = fields.Integer(allow_none=True, metadata={"description": "place in the city by median wait"})
    ranked_offices = fields.Integer(required=True)
    league = fields.List(fields.Nested(LeagueRowSchema), required=True,
                         metadata={"description": "the city's offices by median wait; unranked ones last"})


@bp.get("/offices/<code>/record")
@documented(summary="An office's public record", tags=["offices"], parameters=[path_param("code", "office code")],
            description="The last 30 complete days: median and 90th-percentile wait, share of booked citizens "
                        "served within 15 minutes of their slot, no-show share, average satisfaction and visits, "
                        "with the same figures for the city and the city's offices by median wait. Figures are "
                        "withheld where there are fewer than min_visits visits.",
            responses={"200": json_response("The record", OfficeRecordSchema),  # type: ignore[arg-type]
                       "404": problem_response("No such office")})
def office_record(code: str):
    office = records.office_by_code(code)
    if office is None:
        raise NotFound("office_not_found", _l("No office has this code."), field="code")
    return jsonify(records.record_json(records.office_record(office)))
