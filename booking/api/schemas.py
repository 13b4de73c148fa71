"""Marshmallow schemas of the JSON API: they validate request bodies and describe every response in the
OpenAPI document (``/api/openapi.json``)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    code = fields.String(metadata={"description": "machine-readable reason, e.g. slot_full"})
    field = fields.String(metadata={"description": "the input the problem is about"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ServiceSchema(Schema):
    code = fields.String(required=True)
    name_fa = fields.String(required=True)
    name_en = fields.String(required=True)
    typical_minutes = fields.Float(required=True)


class HoursSchema(Schema):
    weekday = fields.Integer(required=True, metadata={"description": "0 = Saturday … 6 = Friday"})
    opens = fields.String(required=True, metadata={"example": "07:30"})
    closes = fields.String(required=True, metadata={"example": "14:30"})


class LoadSchema(Schema):
    office_id = fields.Integer()
    waiting = fields.Integer(required=True)
    waiting_by_service = fields.Dict(keys=fields.String(), values=fields.Integer())
    in_service = fields.Integer(required=True)
    counters_open = fields.Integer(required=True)
    wait_mean = fields.Float(required=True, metadata={"description": "minutes"})
    wait_p50 = fields.Float(required=True, metadata={"description": "minutes"})
    wait_p90 = fields.Float(required=True, metadata={"description": "minutes"})
    level = fields.String(required=True, validate=validate.OneOf(["quiet", "moderate", "busy", "very_busy"]))
    updated_at = fields.String(required=True, metadata={"format": "date-time"})
    stale = fields.Boolean(required=True)


class OfficeSchema(Schema):
    code = fields.String(required=True)
    name_fa = fields.String(required=True)
    name_en = fields.String(required=True)
    address_fa = fields.String(required=True)
    address_en = fields.String(required=True)
    phone = fields.String(metadata={"description": "the office's telephone, e.g. 021-88412345 (may be empty)"})
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    province = fields.String(required=True, metadata={"description": "province code"})
    district = fields.String(required=True, metadata={"description": "judicial district code"})
    city_fa = fields.String()
    city_en = fields.String()
    counters = fields.Integer(required=True)
    slot_minutes = fields.Integer(required=True)
    services = fields.List(fields.Nested(ServiceSchema), required=True)
    hours = fields.List(fields.Nested(HoursSchema))
    travel_minutes = fields.Float(allow_none=True)
    load = fields.Nested(LoadSchema, allow_none=True)


class OfficeListSchema(Schema):
    offices = fields.List(fields.Nested(OfficeSchema), required=True)


class DistrictSchema(Schema):
    code = fields.String(required=True, metadata={"description": "judicial district code"})
    province = fields.String(required=True, metadata={"description": "province code"})
    name_fa = fields.String(required=True)
    name_en = fields.String(required=True)
    city_fa = fields.String(required=True)
    city_en = fields.String(required=True)


class DistrictListSchema(Schema):
    districts = fields.List(fields.Nested(DistrictSchema), required=True)


class SlotSchema(Schema):
    id = fields.Integer(required=True)
    starts_at = fields.String(required=True, metadata={"format": "date-time"})
    ends_at = fields.String(required=True, metadata={"format": "date-time"})
    capacity = fields.Integer(required=True)
    remaining = fields.Integer(required=True)
    state = fields.String(required=True, validate=validate.OneOf(["open", "full", "past"]))
    predicted_wait = fields.Float(allow_none=True, metadata={
        "description": "minutes a citizen booked in this slot is predicted to wait (booked citizens are called first)"})


class SlotListSchema(Schema):
    office = fields.String(required=True)
    date = fields.String(required=True, metadata={"format": "date"})
    open = fields.Boolean(required=True)
    slots = fields.List(fields.Nested(SlotSchema), required=True)


class SuggestionSchema(Schema):
    office = fields.Nested(OfficeSchema, required=True)
    travel_minutes = fields.Float(required=True)
    wait_mean = fields.Float(required=True)
    wait_p50 = fields.Float(required=True)
    wait_p90 = fields.Float(required=True)
    en_route = fields.Integer(required=True)
    open = fields.Boolean(required=True, metadata={"description": "the office is open on arrival; if not, the "
                                                                 "wait is the one predicted at opens_at"})
    opens_at = fields.String(allow_none=True, metadata={"format": "date-time",
                                                        "description": "the next opening, when closed on arrival"})
    no_counter_open = fields.Boolean(required=True, metadata={
        "description": "open, but no counter is open yet: the wait uses the counters expected"})
    reason = fields.String(required=True)


class RecommendationSchema(Schema):
    at = fields.String(required=True, metadata={"format": "date-time"})
    next_opening = fields.Boolean(required=True, metadata={
        "description": "no office is open now: the offices are suggested for their next opening"})
    offices = fields.List(fields.Nested(SuggestionSchema), required=True)


class GoingRequestSchema(Schema):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90), metadata={"description": "degrees"})
    lon = fields.Float(required=True, validate=validate.Range(-180, 180), metadata={"description": "degrees"})


class GoingSchema(Schema):
    office = fields.String(required=True, metadata={"description": "office code"})
    travel_minutes = fields.Float(required=True, metadata={"description": "expected travel from lat, lon"})
    eta = fields.String(required=True, metadata={"format": "date-time", "description": "expected arrival"})
    expires_at = fields.String(required=True, metadata={
        "format": "date-time", "description": "when the record stops counting: the ETA plus the largest age "
                                              "of an office's live reading"})
    en_route = fields.Integer(required=True, metadata={"description": "people on their way, this one included"})


class OtpRequestSchema(Schema):
    mobile = fields.String(required=True, metadata={"example": "09123456789"})
    purpose = fields.String(load_default="booking", validate=validate.OneOf(["booking", "my_appointments", "cancel"]))


class OtpSentSchema(Schema):
    mobile = fields.String(required=True, metadata={"description": "masked"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})


class BookingRequestSchema(Schema):
    office = fields.String(required=True, metadata={"description": "office code"})
    service = fields.String(required=True, metadata={"description": "service code"})
    slot_id = fields.Integer(required=True)
    national_id = fields.String(required=True, metadata={"example": "0499370899"})
    mobile = fields.String(required=True, metadata={"example": "09123456789"})
    otp = fields.String(required=True, metadata={"description": "the 6-digit code sent by SMS"})


class AppointmentSchema(Schema):
    tracking_code = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        ["booked", "checked_in", "served", "cancelled", "no_show"]))
    office = fields.String(required=True)
    office_name_fa = fields.String()
    office_name_en = fields.String()
    service = fields.String(required=True)
    starts_at = fields.String(required=True, metadata={"format": "date-time"})
    ends_at = fields.String(required=True, metadata={"format": "date-time"})
    national_id = fields.String(required=True, metadata={"description": "masked"})
    mobile = fields.String(required=True, metadata={"description": "masked"})
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    position = fields.Integer(allow_none=True, metadata={"description": "people ahead once checked in"})
    ticket = fields.String(allow_none=True)
    estimated_wait = fields.Float(allow_none=True, metadata={"description": "minutes"})


class RulesSchema(Schema):
    office = fields.String(required=True)
    province = fields.String(required=True, metadata={"description": "province code; its rules apply"})
    per_office_day = fields.Integer(required=True, metadata={"description": "online bookings per person per office per day"})
    per_person_active = fields.Integer(required=True, metadata={"description": "active appointments per national ID"})
    per_mobile_active = fields.Integer(required=True, metadata={"description": "active appointments per mobile"})
    no_show_count = fields.Integer(required=True, metadata={"description": "no-shows in the window that bar online booking"})
    no_show_window_days = fields.Integer(required=True)
    ban_days = fields.Integer(required=True)
    offer_hold_minutes = fields.Integer(required=True, metadata={"description": "how long a waitlist offer is held"})


class WaitlistRequestSchema(Schema):
    office = fields.String(required=True, metadata={"description": "office code"})
    service = fields.String(required=True, metadata={"description": "service code"})
    slot_id = fields.Integer(metadata={"description": "a full slot; or give date for any slot of a full day"})
    date = fields.Date(metadata={"description": "YYYY-MM-DD (Tehran): a full day, when no slot_id is given"})
    national_id = fields.String(required=True, metadata={"example": "0499370899"})
    mobile = fields.String(required=True, metadata={"example": "09123456789"})
    otp = fields.String(required=True, metadata={"description": "the 6-digit code sent by SMS (purpose booking)"})


class WaitlistEntrySchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        ["waiting", "offered", "accepted", "expired", "cancelled"]))
    office = fields.String(required=True)
    date = fields.String(required=True, metadata={"format": "date"})
    slot_id = fields.Integer(allow_none=True)
    position = fields.Integer(metadata={"description": "1 = first in line (while waiting)"})


class OfferSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["offered", "accepted", "expired"]))
    office = fields.String(required=True)
    slot_starts_at = fields.String(required=True, metadata={"format": "date-time"})
    expires_at = fields.String(required=True, metadata={"format": "date-time"})


class TicketTextsSchema(Schema):
    state = fields.String(required=True)
    called = fields.String(allow_none=True, metadata={"description": "\"Your turn: go to counter 3.\" once called"})
    position = fields.String(allow_none=True)
    wait = fields.String(allow_none=True)


class TicketSchema(Schema):
    tracking_code = fields.String(required=True)
    office = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "the appointment's status"})
    state = fields.String(required=True, validate=validate.OneOf(
        ["booked", "waiting", "called", "serving", "served", "no_show", "left", "cancelled"]))
    ticket = fields.String(allow_none=True, metadata={"description": "queue number once checked in, e.g. A-012"})
    ticket_text = fields.String(allow_none=True, metadata={"description": "the queue number in the language"})
    counter = fields.Integer(allow_none=True, metadata={"description": "the counter to go to, once called"})
    called_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    position = fields.Integer(allow_none=True, metadata={"description": "people ahead while waiting"})
    wait_mean = fields.Float(allow_none=True, metadata={"description": "predicted minutes until called"})
    wait_p90 = fields.Float(allow_none=True, metadata={"description": "90th percentile, minutes"})
    finished = fields.Boolean(required=True)
    poll_seconds = fields.Integer(allow_none=True, metadata={"description": "ask again after; null: finished"})
    text = fields.Nested(TicketTextsSchema, required=True)


class RemoteJoinRequestSchema(Schema):
    service = fields.String(required=True, metadata={"description": "service code"})
    national_id = fields.String(required=True, metadata={"example": "0499370899"})
    mobile = fields.String(required=True, metadata={"example": "09123456789"})
    otp = fields.String(required=True, metadata={"description": "the 6-digit code sent by SMS (purpose booking)"})
    lat = fields.Float(validate=validate.Range(-90, 90), metadata={"description": "where the citizen is now"})
    lon = fields.Float(validate=validate.Range(-180, 180))


class RemoteTextsSchema(Schema):
    state = fields.String(required=True)
    called = fields.String(allow_none=True)
    position = fields.String(allow_none=True)
    wait = fields.String(allow_none=True, metadata={"description": "minutes until called, mean and 90th percentile"})
    call_at = fields.String(allow_none=True, metadata={"description": "the call's time of day, median and 90th percentile"})
    leave_at = fields.String(allow_none=True, metadata={"description": "when to leave, or \"now\""})


class RemoteTicketSchema(Schema):
    token = fields.String(required=True, metadata={"description": "the code of the ticket's page (keep it private)"})
    office = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(
        ["at_home", "on_the_way", "here", "called", "serving", "served", "no_show", "left"]))
    ticket = fields.String(required=True, metadata={"description": "the queue number, e.g. A-043"})
    ticket_text = fields.String(required=True)
    counter = fields.Integer(allow_none=True, metadata={"description": "the counter to go to, once called"})
    position = fields.Integer(allow_none=True, metadata={"description": "people ahead while waiting"})
    call_p50 = fields.Float(allow_none=True, metadata={"description": "predicted minutes until the call (median)"})
    call_p90 = fields.Float(allow_none=True, metadata={"description": "90th percentile, minutes"})
    call_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    call_at_p90 = fields.String(allow_none=True, metadata={"format": "date-time"})
    leave_in = fields.Float(allow_none=True, metadata={"description": "minutes until the latest departure (0: now)"})
    leave_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    travel_minutes = fields.Float(required=True)
    more_time_available = fields.Boolean(required=True)
    passed_over = fields.Boolean(required=True, metadata={"description": "the turn came before the holder did"})
    waiting = fields.Boolean(required=True)
    finished = fields.Boolean(required=True)
    poll_seconds = fields.Integer(allow_none=True)
    text = fields.Nested(RemoteTextsSchema, required=True)


class SmsInboundSchema(Schema):
    sender = fields.String(required=True, data_key="from", metadata={"example": "09123456789"})
    text = fields.String(required=True, validate=validate.Length(max=300), metadata={"example": "Q 230013 0499370899"})


class SmsReplySchema(Schema):
    reply = fields.String(required=True, metadata={"description": "the answer texted back, in the sender's language"})
