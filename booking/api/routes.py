"""API views: parse the request, call one service function, answer JSON."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from typing import Any

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from booking import appointments, en_route, fair_access, finder, otp, slots
from booking.api.blueprint import bp
from booking.api.schemas import (BookingRequestSchema, GoingRequestSchema, OtpRequestSchema, RemoteJoinRequestSchema,
                                 SmsInboundSchema, WaitlistRequestSchema)
from booking.api.serialize import appointment_json, office_json, reason_text, remote_json, slot_json, ticket_json
from booking.api.spec import build_spec, documented, json_response, path_param, problem_response, query
from booking.dates import ascii_digits, utcnow
from booking.errors import problem
from booking.extensions import db
from booking.i18n import local_number
from booking.identity import mask_mobile
from booking.limits import limiter
from booking.redis_conn import get_redis
from booking.service_errors import InvalidInput, NotFound, ServiceError
from offices.live import REDIS_ERRORS

IDEMPOTENCY_TTL = 24 * 3600  # seconds a stored answer to an Idempotency-Key is replayed


@bp.errorhandler(ServiceError)
def service_error(error: ServiceError):
    response = problem(error.status, _title(error.status), str(error), code=error.code,
                       **({"field": error.field} if error.field else {}))
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


@bp.errorhandler(ValidationError)
def validation_error(error: ValidationError):
    messages = error.messages if isinstance(error.messages, dict) else {"_body": error.messages}
    detail = _("Some fields are missing or not valid: %(fields)s", fields=", ".join(sorted(messages)))
    return problem(422, _title(422), detail, code="invalid_body", errors=messages)


def _title(status: int) -> str:
    return {401: _("Prove first that this is yours."), 403: _("This is not yours."), 404: _("Not found."), 409: _("This cannot be done."), 422: _("Some of what you entered is not valid."),
            429: _("Too many requests; please wait and try again.")}.get(status, _("The request is not valid."))


def _float_arg(name: str, low: float, high: float) -> float | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(ascii_digits(raw))
    except ValueError:
        value = float("nan")
    if not (low <= value <= high):
        raise InvalidInput(f"bad_{name}", _l("%(name)s must be a number between %(low)s and %(high)s.",
                                             name=name, low=local_number(low), high=local_number(high)), field=name)
    return value


def _service_arg() -> str | None:
    """The ``service`` filter: a code that some office offers, or None."""
    service = request.args.get("service") or None
    if service is not None and not finder.service_offered(service):
        raise InvalidInput("unknown_service", _l("No office offers this service."), field="service")
    return service


def _near_arg() -> finder.Near | None:
    raw = request.args.get("near")
    if not raw:
        return None
    try:
        lat, lon = (float(ascii_digits(part)) for part in raw.split(","))
    except ValueError:
        raise InvalidInput("bad_near", _l("near must be two numbers: latitude,longitude."), field="near") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput("bad_near", _l("near must be two numbers: latitude,longitude."), field="near")
    return finder.Near(lat, lon)


def _office_or_404(code: str):
    office = finder.office_by_code(code)
    if office is None:
        raise NotFound("office_not_found", _l("No office has this code."), field="code")
    return office


@bp.get("/offices")
@documented(summary="Search offices", tags=["offices"], parameters=[
    query("province", "province code"), query("district", "judicial district code"),
    query("service", "service code: only offices that offer it"),
    query("near", "latitude,longitude: nearest first, with travel minutes"),
    query("limit", "at most this many (1-200, default 50)", {"type": "integer", "minimum": 1, "maximum": 200})],
    responses={"200": json_response("Offices with their live load", "OfficeList"),
               "422": problem_response("A filter is not valid")})
def list_offices():
    limit = int(_float_arg("limit", 1, 200) or 50)
    offices, travel = finder.search_offices(province=request.args.get("province") or None,
                                            district=request.args.get("district") or None,
                                            service=_service_arg(),
                                            near=_near_arg(), limit=limit)
    loads = finder.live_loads([o.id for o in offices])
    return jsonify({"offices": [office_json(o, loads.get(o.id), travel.get(o.id)) for o in offices]})


@bp.get("/districts")
@documented(summary="Judicial districts of a province", tags=["offices"], parameters=[
    query("province", "province code; all districts when absent")],
    responses={"200": json_response("The districts, in Persian order", "DistrictList"),
               "404": problem_response("No such province")})
def list_districts():
    choices = finder.search_choices()
    province = (request.args.get("province") or "").strip()
    if province and not any(p.code == province for p in choices.provinces):
        raise NotFound("province_not_found", _l("No province has this code."), field="province")
    found = [d for d in choices.districts if not province or d.province == province]
    return jsonify({"districts": [{"code": d.code, "province": d.province, "name_fa": d.name_fa,
                                   "name_en": d.name_en, "city_fa": d.city_fa, "city_en": d.city_en}
                                  for d in found]})


@bp.get("/offices/<code>")
@documented(summary="One office", tags=["offices"], parameters=[path_param("code", "office code")],
            responses={"200": json_response("The office", "Office"), "404": problem_response("No such office")})
def get_office(code: str):
    office = _office_or_404(code)
    return jsonify(office_json(office, finder.live_loads([office.id]).get(office.id)))


@limiter.request_filter
def _unlimited() -> bool:
    """No abuse limit applies to the live load and a ticket's live status (the most polled paths): skip
    weighing them there at all."""
    return request.endpoint in ("api.office_load", "api.get_ticket")


@bp.get("/offices/<code>/load")
@documented(summary="An office's live load", tags=["offices"], parameters=[path_param("code", "office code")],
            responses={"200": json_response("People waiting, counters open, predicted wait", "Load"),
                       "404": problem_response("No such office")})
def office_load(code: str):
    document = finder.public_load_document(code)
    if document is None:
        raise NotFound("office_not_found", _l("No office has this code."), field="code")
    return current_app.response_class(document, mimetype="application/json")


@bp.post("/offices/<code>/going")
@documented(summary="I'm going: count me on my way to this office", tags=["offices"],
            parameters=[path_param("code", "office code")],
            requestBody={"required": True, "content": {"application/json": {"schema": "GoingRequest"}}},
            responses={"201": json_response("Recorded until the expected arrival (plus a few minutes)", "Going"),
                       "404": problem_response("No such office"), "422": problem_response("Bad position"),
                       "429": problem_response("Too many presses from this address"),
                       "503": problem_response("Cannot be recorded now")})
@limiter.limit(en_route.GOING_PER_ADDRESS)
def going(code: str):
    data = GoingRequestSchema().load(_json_body())
    office = _office_or_404(code)
    try:
        record = en_route.record_going(office.id, office.lat, office.lon, (data["lat"], data["lon"]))
    except REDIS_ERRORS:
        return problem(503, _("The service is briefly unavailable; please try again in a minute."),
                       code="en_route_unavailable")
    return jsonify({"office": office.code, "travel_minutes": round(record.travel_minutes, 1),
                    "eta": record.eta.isoformat(), "expires_at": record.expires_at.isoformat(),
                    "en_route": record.en_route}), 201


@bp.get("/offices/<code>/slots")
@documented(summary="An office's slots on a day", tags=["appointments"], parameters=[
    path_param("code", "office code"), query("date", "YYYY-MM-DD (Tehran); default today", {"type": "string",
                                                                                         "format": "date"})],
    responses={"200": json_response("Slots with remaining places and predicted wait", "SlotList"),
               "404": problem_response("No such office"), "422": problem_response("Bad date")})
def office_slots(code: str):
    office = _office_or_404(code)
    raw = request.args.get("date")
    today = slots.today_tehran()
    try:
        day = dt.date.fromisoformat(ascii_digits(raw)) if raw else today
    except ValueError:
        raise InvalidInput("bad_date", _l("The date must be written YYYY-MM-DD."), field="date") from None
    if day < today or day > today + dt.timedelta(days=60):
        raise InvalidInput("date_out_of_range", _l("Choose a date from today to 60 days ahead."), field="date")
    views = slots.day_slots(office, day)
    body = {"office": office.code, "date": day.isoformat(), "open": bool(views), "slots": [slot_json(v) for v in views]}
    db.session.commit()  # the slots made for the day (after writing them out: a commit expires every row read)
    return jsonify(body)


@bp.get("/offices/<code>/rules")
@documented(summary="The fair-access rules that apply to booking at an office", tags=["appointments"],
            parameters=[path_param("code", "office code")],
            responses={"200": json_response("Its province's rules (the national defaults when it set none)", "Rules"),
                       "404": problem_response("No such office")})
def office_rules(code: str):
    office = _office_or_404(code)
    rules = fair_access.rules_for_office(office)
    return jsonify({"office": office.code, "province": office.district.province.code,
                    **dataclasses.asdict(rules)})


@bp.get("/recommend")
@documented(summary="The five best offices from where the citizen is", tags=["offices"], parameters=[
    query("lat", "latitude (degrees)", {"type": "number", "minimum": -90, "maximum": 90}, True),
    query("lon", "longitude (degrees)", {"type": "number", "minimum": -180, "maximum": 180}, True),
    query("service", "service code"), query("at", "departure time, ISO 8601 (default now)",
                                            {"type": "string", "format": "date-time"})],
    responses={"200": json_response("Offices ranked by travel plus the wait predicted on arrival",
                                    "Recommendation"), "422": problem_response("Bad position, time or service")})
def recommend():
    lat, lon = _float_arg("lat", -90, 90), _float_arg("lon", -180, 180)
    if lat is None or lon is None:
        raise InvalidInput("position_missing", _l("Give your position as lat and lon."), field="lat")
    at = None
    if request.args.get("at"):
        try:
            at = dt.datetime.fromisoformat(request.args["at"].replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput("bad_at", _l("at must be an ISO 8601 date and time."), field="at") from None
        if at.tzinfo is None:
            from booking.dates import tehran_to_utc

            at = tehran_to_utc(at)
        if abs((at - utcnow()).total_seconds()) > 14 * 86400:
            raise InvalidInput("bad_at", _l("at must be within 14 days of now."), field="at")
    result = finder.recommend_offices(lat, lon, _service_arg(), at=at)
    return jsonify({"at": result.at.isoformat(), "next_opening": result.next_opening, "offices": [
        {"office": office_json(s.office, s.load), "travel_minutes": round(s.travel_min, 1),
         "wait_mean": round(s.wait_mean, 1), "wait_p50": round(s.wait_p50, 1), "wait_p90": round(s.wait_p90, 1),
         "en_route": s.en_route, "open": s.opens_at is None,
         "opens_at": s.opens_at.isoformat() if s.opens_at else None, "no_counter_open": s.no_counter_open,
         "reason": reason_text(s, result.nearest)} for s in result.suggestions]})


@bp.post("/otp")
@documented(summary="Text a one-time code to a mobile", tags=["appointments"],
            requestBody={"required": True, "content": {"application/json": {"schema": "OtpRequest"}}},
            responses={"202": json_response("Code sent (valid 2 minutes)", "OtpSent"),
                       "422": problem_response("Bad mobile"), "429": problem_response("Too many codes this hour")})
def send_otp():
    data = OtpRequestSchema().load(_json_body())
    mobile, ttl = otp.send_code(data["mobile"], data["purpose"])
    db.session.commit()
    return jsonify({"mobile": mask_mobile(mobile), "expires_in": ttl}), 202


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("body_not_json", _l("Send a JSON object in the request body."))
    return body


@bp.post("/appointments")
@documented(summary="Book an appointment", tags=["appointments"], parameters=[
    {"in": "header", "name": "Idempotency-Key", "required": False, "schema": {"type": "string", "maxLength": 100},
     "description": "repeat a request with the same key to get the same answer without booking twice"}],
    requestBody={"required": True, "content": {"application/json": {"schema": "BookingRequest"}}},
    responses={"201": json_response("Booked", "Appointment"), "404": problem_response("No such office"),
               "409": problem_response("A booking rule refuses it (full slot, too many appointments…)"),
               "422": problem_response("Bad input, or the mobile is not registered to the national ID"),
               "429": problem_response("Too many tries"),
               "503": problem_response("The mobile cannot be checked against the national ID now; try again")})
def create_appointment():
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return _book()
    if len(key) > 100:
        raise InvalidInput("bad_idempotency_key", _l("The Idempotency-Key header is too long."))
    fingerprint = hashlib.sha256(request.get_data()).hexdigest()
    redis_key = f"idem:appointments:{key}"
    redis = get_redis()
    if not redis.set(redis_key, json.dumps({"pending": True, "fingerprint": fingerprint}), nx=True, ex=60):
        stored = json.loads(redis.get(redis_key) or "{}")
        if stored.get("fingerprint") != fingerprint:
            raise InvalidInput("idempotency_key_reused",
                               _l("This Idempotency-Key was used with a different request."))
        if stored.get("pending"):
            return problem(409, _title(409), _("The same request is still being processed."),
                           code="idempotency_in_progress")
        response = current_app.response_class(stored["body"], status=stored["status"],
                                               mimetype=stored["mimetype"])
        response.headers["Idempotent-Replayed"] = "true"
        return response
    try:
        response = current_app.make_response(_book())
    except ServiceError as error:
        response = service_error(error)
    except ValidationError as error:
        response = validation_error(error)
    except Exception:  # e.g. the database is away (answered 503): a retry with the same key must run again
        redis.delete(redis_key)
        raise
    if response.status_code < 500:
        redis.set(redis_key, json.dumps({"fingerprint": fingerprint, "status": response.status_code,
                                         "mimetype": response.mimetype, "body": response.get_data(as_text=True)}),
                  ex=IDEMPOTENCY_TTL)
    else:
        redis.delete(redis_key)
    return response


def _book():
    data = BookingRequestSchema().load(_json_body())
    office, service, slot = appointments.load_booking_targets(data["office"], data["service"], data["slot_id"])
    otp.verify_code(data["mobile"], data["otp"], "booking")
    appointment = appointments.book(office, service, slot, data["national_id"], data["mobile"])
    from booking.notifications import confirm_booking

    confirm_booking(appointment)
    db.session.commit()
    en_route.sync_appointment(appointment)
    return jsonify(appointment_json(appointment)), 201


@bp.get("/appointments/<tracking_code>")
@documented(summary="An appointment by its tracking code", tags=["appointments"],
            parameters=[path_param("tracking_code", "the code given at booking")],
            responses={"200": json_response("Status, slot, position once checked in", "Appointment"),
                       "404": problem_response("No such appointment")})
def get_appointment(tracking_code: str):
    return jsonify(appointment_json(appointments.find_by_code(tracking_code), with_status=True))


@bp.get("/tickets/<tracking_code>")
@documented(summary="A booked citizen's ticket, live: state, people ahead, predicted wait, counter once called",
            tags=["appointments"], parameters=[path_param("tracking_code", "the code given at booking")],
            responses={"200": json_response("The ticket's live status (ask again after poll_seconds)", "Ticket"),
                       "404": problem_response("No such appointment")})
def get_ticket(tracking_code: str):
    from booking.tickets import live_ticket

    live = live_ticket(tracking_code)
    if live is None:
        raise NotFound("appointment_not_found", _l("No appointment has this tracking code."), field="tracking_code")
    return jsonify(ticket_json(live))


@bp.delete("/appointments/<tracking_code>")
@documented(summary="Cancel an appointment (its owner only)", tags=["appointments"],
            description=("The tracking code alone does not cancel: the owner proves who they are either with the "
                         "session cookie of a browser that confirmed the appointment's mobile by SMS code (booking "
                         "or \"my appointments\"), or with a one-time code: `POST /api/otp` with the appointment's "
                         "mobile and `\"purpose\": \"cancel\"`, then send the code texted to it in the `X-OTP` "
                         "header of this request. A cancellation is confirmed by SMS."),
            parameters=[path_param("tracking_code", "the code given at booking"),
                        {"in": "header", "name": "X-OTP", "required": False,
                         "schema": {"type": "string", "pattern": "^[0-9]{6}$"},
                         "description": "a one-time code for `cancel` texted to the appointment's mobile"}],
            responses={"200": json_response("Cancelled; the place is free again; an SMS says so", "Appointment"),
                       "401": problem_response("No proof of ownership (no verified session, no X-OTP)"),
                       "403": problem_response("The verified session is another citizen's"),
                       "404": problem_response("No such appointment"),
                       "409": problem_response("Already cancelled, or its time has passed"),
                       "422": problem_response("Wrong or expired code")})
def cancel_appointment(tracking_code: str):
    from booking.citizen import owner as owner_proof
    from booking.notifications import confirm_cancellation

    appointment = appointments.find_by_code(tracking_code)
    appointments.check_owner(appointment, owner_proof.verified(), request.headers.get("X-OTP"))
    appointments.cancel(appointment, note="api")
    confirm_cancellation(appointment)
    db.session.commit()
    en_route.sync_appointment(appointment)
    return jsonify(appointment_json(appointment))


@bp.post("/waitlist")
@documented(summary="Join the waitlist of a full slot or a full day", tags=["appointments"],
            requestBody={"required": True, "content": {"application/json": {"schema": "WaitlistRequest"}}},
            responses={"201": json_response("On the waitlist, with the place in line", "WaitlistEntry"),
                       "404": problem_response("No such office"),
                       "409": problem_response("Places left (book instead), already waiting, or barred"),
                       "422": problem_response("Bad input"), "429": problem_response("Too many tries")})
def join_waitlist():
    from booking import waitlist

    data = WaitlistRequestSchema().load(_json_body())
    office = _office_or_404(data["office"])
    service = next((s for s in office.services if s.code == data["service"]), None)
    if service is None:
        raise InvalidInput("service_not_offered", _l("This office does not offer the chosen service."),
                           field="service")
    slot = waitlist.slot_of(office, data["slot_id"]) if data.get("slot_id") is not None else None
    if slot is None and data.get("date") is None:
        raise InvalidInput("slot_unknown", _l("Choose a time slot."), field="slot_id")
    mobile = otp.verify_code(data["mobile"], data["otp"], "booking")
    entry = waitlist.join(office, service, data["national_id"], mobile, slot=slot,
                          day=None if slot is not None else data["date"])
    place = waitlist.position(entry)
    db.session.commit()
    return jsonify({"id": entry.id, "status": entry.status, "office": office.code, "date": entry.day.isoformat(),
                    "slot_id": entry.slot_id, "position": place}), 201


def _offer_json(entry) -> dict[str, Any]:
    return {"status": entry.status if entry.status != "cancelled" else "expired", "office": entry.office.code,
            "slot_starts_at": entry.offered_slot.starts_at.isoformat(),
            "expires_at": entry.offer_expires_at.isoformat()}


@bp.get("/waitlist/offers/<token>")
@documented(summary="A waitlist offer (the link of its SMS)", tags=["appointments"],
            parameters=[path_param("token", "the offer's code in the SMS link")],
            responses={"200": json_response("The place held and until when", "Offer"),
                       "404": problem_response("No such offer")})
def get_offer(token: str):
    from booking import waitlist

    return jsonify(_offer_json(waitlist.offer_by_token(token)))


@bp.post("/waitlist/offers/<token>/accept")
@documented(summary="Accept a waitlist offer: book the held place", tags=["appointments"],
            parameters=[path_param("token", "the offer's code in the SMS link")],
            responses={"201": json_response("Booked", "Appointment"), "404": problem_response("No such offer"),
                       "409": problem_response("Expired, already used, or a booking rule refuses it")})
def accept_offer(token: str):
    from booking.notifications import confirm_booking

    appointment = appointments.accept_offer(token)
    confirm_booking(appointment)
    db.session.commit()
    en_route.sync_appointment(appointment)
    return jsonify(appointment_json(appointment)), 201


# ---------------------------------------------------------------------------------------------- waiting at home

@bp.post("/offices/<code>/queue")
@documented(summary="Join today's line of an office from home", tags=["remote queue"],
            description=("A place in the office's line now, held while the citizen waits at home: the answer gives "
                         "the people ahead, the predicted call time (median and 90th percentile) and **leave_at**, "
                         "the latest departure that reaches the office before the call (95% sure by the forecast), "
                         "from `lat`/`lon` or, without them, from the office's catchment. The mobile is proved "
                         "with a code (`POST /api/otp`, purpose `booking`). Keep the `token`: it is the ticket's "
                         "address. Refused when the office is closed, when the call would come after closing, or "
                         "by the fair-access rules (one place in a line at a time)."),
            parameters=[path_param("code", "office code")],
            requestBody={"required": True, "content": {"application/json": {"schema": "RemoteJoinRequest"}}},
            responses={"201": json_response("In line", "RemoteTicket"), "404": problem_response("No such office"),
                       "409": problem_response("Closed, the line is full for today, or a rule refuses it"),
                       "422": problem_response("Bad input or code"), "429": problem_response("Too many tries")})
def join_remote_queue(code: str):
    from booking import remote_queue

    office = _office_or_404(code)
    data = RemoteJoinRequestSchema().load(_json_body())
    service = next((s for s in office.services if s.code == data["service"]), None)
    if service is None:
        raise InvalidInput("service_not_offered", _l("This office does not offer the chosen service."),
                           field="service")
    origin = (data["lat"], data["lon"]) if "lat" in data and "lon" in data else None
    mobile = otp.verify_code(data["mobile"], data["otp"], "booking")
    remote = remote_queue.join(office, service, data["national_id"], mobile, origin=origin, channel="api",
                               language=_request_language())
    shown = remote_queue.status(remote)
    db.session.commit()
    _publish(remote.office_id)
    return jsonify(remote_json(shown)), 201


def _request_language() -> str:
    from booking.i18n import current_locale

    return current_locale()


def _publish(office_id: int) -> None:
    from offices.queue_ops import publish

    publish(office_id)


@bp.get("/queue/<token>")
@documented(summary="A place in a line taken from home, live", tags=["remote queue"],
            parameters=[path_param("token", "the ticket's code (in its page's address and SMS)")],
            responses={"200": json_response("State, people ahead, call time, leave-at (ask again after "
                                            "poll_seconds)", "RemoteTicket"),
                       "404": problem_response("No such ticket")})
def get_remote_ticket(token: str):
    from booking import remote_queue

    return jsonify(remote_json(remote_queue.status(remote_queue.by_token(token))))


@bp.post("/queue/<token>/more-time")
@documented(summary="Ask for more time: move back a few places (once)", tags=["remote queue"],
            parameters=[path_param("token", "the ticket's code")],
            responses={"200": json_response("Moved back", "RemoteTicket"), "404": problem_response("No such ticket"),
                       "409": problem_response("Already asked once, or no longer waiting")})
def remote_more_time(token: str):
    from booking import remote_queue

    return _remote_act(token, remote_queue.more_time, moves_the_line=True)


@bp.post("/queue/<token>/on-my-way")
@documented(summary="Say the holder is on the way to the office", tags=["remote queue"],
            parameters=[path_param("token", "the ticket's code")],
            responses={"200": json_response("Noted", "RemoteTicket"), "404": problem_response("No such ticket"),
                       "409": problem_response("No longer waiting")})
def remote_on_my_way(token: str):
    from booking import remote_queue

    return _remote_act(token, remote_queue.set_out, moves_the_line=False)


@bp.delete("/queue/<token>")
@documented(summary="Leave the line (give the place up)", tags=["remote queue"],
            parameters=[path_param("token", "the ticket's code")],
            responses={"200": json_response("Left", "RemoteTicket"), "404": problem_response("No such ticket"),
                       "409": problem_response("No longer waiting")})
def leave_remote_queue(token: str):
    from booking import remote_queue

    return _remote_act(token, remote_queue.leave, moves_the_line=True)


def _remote_act(token: str, act, *, moves_the_line: bool):
    """One of the holder's acts on their place (``act(remote)``), committed; the office's live load refreshed
    when the line changed; the place's status answered."""
    from booking import remote_queue

    remote = act(remote_queue.by_token(token))
    shown = remote_queue.status(remote)
    db.session.commit()
    if moves_the_line:
        _publish(remote.office_id)
    return jsonify(remote_json(shown))


@bp.post("/sms/inbound")
@documented(summary="An SMS sent to Safnama's number (the SMS gateway calls this)", tags=["remote queue"],
            description=("`Q <office code> <national ID>` joins the office's line from home; `MORE` asks for more "
                         "time, `EXIT` leaves the line, `STATUS` tells the place (Persian words too: صف، وقت، "
                         "خروج، وضعیت). The gateway proves itself with the `X-Sms-Token` header (`SMS_INBOUND_TOKEN`); "
                         "the reply is sent by SMS and returned."),
            parameters=[{"in": "header", "name": "X-Sms-Token", "required": True, "schema": {"type": "string"}}],
            requestBody={"required": True, "content": {"application/json": {"schema": "SmsInbound"}}},
            responses={"200": json_response("The reply texted to the sender", "SmsReply"),
                       "401": problem_response("Not the gateway"),
                       "404": problem_response("Inbound SMS is not configured here")})
def sms_inbound():
    import hmac

    from booking import remote_queue
    from booking.sms import queue_sms

    expected = current_app.config.get("SMS_INBOUND_TOKEN") or ""
    if not expected:
        return problem(404, _title(404), _("Inbound SMS is not configured."), code="sms_inbound_off")
    if not hmac.compare_digest(request.headers.get("X-Sms-Token", "").encode(), expected.encode()):
        return problem(401, _title(401), _("This request does not come from the SMS gateway."),
                       code="sms_gateway_unknown")
    data = SmsInboundSchema().load(_json_body())
    try:
        reply, changed = remote_queue.handle_sms(data["sender"], data["text"])
        db.session.commit()
    except ServiceError as refused:
        db.session.rollback()
        reply, changed = str(refused), None
    queue_sms(data["sender"], reply, "sms_reply")
    db.session.commit()
    if changed is not None:
        _publish(changed)
    return jsonify({"reply": reply})


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(build_spec(current_app))


@bp.get("/docs")
def docs():
    return render_template("api/docs.html", spec=build_spec(current_app))
