"""Citizens' views: each parses the request, calls the booking services, renders a template."""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping

from flask import (Response, abort, current_app, flash, redirect, render_template, request, session, url_for)
from flask_babel import gettext as _
from markupsafe import Markup

from booking import appointments, en_route, fair_access, finder, identity_check, maps, otp, page_cache, slots
from booking.api.serialize import reason_text
from booking.citizen.blueprint import bp
from booking.citizen import fragments
from booking.citizen import owner as owner_proof
from booking.citizen.charts import Bar, MapPoint, office_map, wait_chart
from booking.citizen.ics import appointment_ics
from booking.dates import ascii_digits, clock, to_tehran, utcnow
from booking.extensions import db
from booking.i18n import local_digits, local_number
from booking.identity import normalise_mobile, normalise_national_id
from booking.limits import INLINE_REFUSAL_ENDPOINTS, limiter, refusal
from booking.models import TimeSlot
from booking.identity import mask_mobile
from booking.notifications import confirm_booking, confirm_cancellation, confirm_reschedule
from booking.service_errors import InvalidInput, ServiceError
from offices.live import REDIS_ERRORS
from offices.service_catalogue import documents_for


def _position(values: Mapping[str, str] | None = None) -> tuple[float, float] | None:
    """``lat`` and ``lon`` from the query string (or the form values given), or None."""
    values = request.args if values is None else values
    try:
        lat = float(ascii_digits(values.get("lat", "")))
        lon = float(ascii_digits(values.get("lon", "")))
    except ValueError:
        return None
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


@bp.get("/find")
def find_office():
    choices = finder.search_choices()
    province, district_code = finder.consistent_place(choices, request.args.get("province"),
                                                      request.args.get("district"))
    service = request.args.get("service") or None
    here = _position()
    if here is None and district_code:
        district = choices.district(district_code)
        here = (district.lat, district.lon)
    near = finder.Near(*here) if here else None
    offices, travel = finder.search_cards(province=province, service=service, near=near,
                                          district=None if here else district_code, limit=20)
    recommendation = finder.recommend_offices(here[0], here[1], service) if here else None
    loads = _listed_loads([o.id for o in offices], recommendation)
    best_section = None
    if recommendation and recommendation.suggestions:  # the same for everyone the office is best for
        code = recommendation.suggestions[0].office.code
        best_section = page_cache.fragment(("find.best", code, service, utcnow().replace(second=0, microsecond=0)),
                                           lambda: _best_times(code, service))
    locale = _locale()
    points = [MapPoint(o.lat, o.lon, o.name(locale), fragments.office_path(o.code),
                       loads[o.id].level if o.id in loads else "unknown") for o in offices]
    page = render_template(
        "citizen/find.html", offices=offices, travel=travel, loads=loads, here=here,
        options=_search_options(choices, province, district_code, service),
        chosen={"province": province, "district": district_code, "service": service},
        load_badge=fragments.load_badge, going_form=fragments.going_form, office_path=fragments.office_path,
        office_items=fragments.office_items,
        recommendation=recommendation, reason=lambda s: reason_text(s, recommendation.nearest),
        best_section=best_section, now=utcnow(),
        office_map=_street_map(points, _("Map of offices"), here, picks_place=True))
    db.session.commit()  # the slots made for the best office's days (after rendering: nothing is reloaded)
    return page


def _listed_loads(ids: list[int], recommendation: finder.RecommendationResult | None) -> dict:
    """The live loads of the offices listed: those the recommendation read (the nearest offices), the others
    read now."""
    kept = recommendation.loads if recommendation is not None else {}
    loads = {i: kept[i] for i in ids if i in kept}
    missing = [i for i in ids if i not in loads]
    if missing:
        loads.update(finder.live_loads(missing))
    return loads


def _search_options(choices: finder.SearchChoices, province: str | None, district: str | None,
                    service: str | None) -> dict[str, Markup]:
    """The search form's options (services, provinces, the districts of the province or Tehran's), kept."""
    return {"service": fragments.options("service", choices.services, service, group=choices.built_at),
            "province": fragments.options("province", choices.provinces, province, group=choices.built_at),
            "district": fragments.options("district", choices.districts_of(province), district,
                                          group=(choices.built_at, province))}


def _street_map(points: list[MapPoint], title: str, here: tuple[float, float] | None = None,
                picks_place: bool = False) -> Markup:
    """The server's drawing of ``points``, which ``static/js/map.js`` turns into a street map when tiles load."""
    return maps.street_map(office_map(points, title, here), points, tiles=current_app.config.get("MAP_TILE_URL", ""),
                           attribution=current_app.config.get("MAP_TILE_ATTRIBUTION", ""), title=title,
                           offline=_("The street map could not be loaded; this simple map shows the same places."),
                           here=here, picks_place=picks_place)


def _best_times(code: str, service: str | None) -> str:
    """The recommended office's best times on its next two open days (the find page's chips), rendered."""
    best = finder.office_by_code(code)
    best_days = slots.best_times(best, days=2) if best is not None else []
    return render_template("citizen/_best_times.html", best=best, best_days=best_days, service=service)


def _locale() -> str:
    from booking.i18n import current_locale

    return current_locale()


@bp.get("/offices/<code>")
def office_page(code: str):
    # The head of the page is the office's card (the API's, kept in the process); the rows behind it are
    # loaded only when the part below the live load is rendered afresh.
    office_id = finder.office_index().id_by_code.get(code)
    office = finder.office_cards([office_id]).get(office_id) if office_id is not None else None
    if office is None:
        abort(404)
    from offices.forecast import forecast_wait

    load = finder.live_loads([office.id]).get(office.id)
    on_the_way = en_route.en_route_count(office.id)
    now = utcnow()
    wait_now = forecast_wait(office.id, now, now=now, loads={office.id: load} if load else None)
    # What follows the live load depends on the office, the minute and the line now only: kept seconds.
    state = (load.waiting, load.in_service, load.counters_open) if load else None
    details = page_cache.fragment(("office.details", office.code, now.replace(second=0, microsecond=0), state),
                                  lambda: _office_details(finder.office_for_page(code) or abort(404), now, wait_now))
    page = render_template("citizen/office.html", office=office, load=load, wait_now=wait_now, details=details,
                           now=now, here=_position(), on_the_way=on_the_way)
    db.session.commit()  # the slots made for the days shown (after rendering: nothing is reloaded)
    return page


def _office_details(office, now: dt.datetime, wait_now) -> str:
    """An office's page below its live load: the chart of today's waits, the next free times, hours, services
    and map, rendered."""
    outlook = slots.office_outlook(office, now, limit=6)
    unit = _("min")
    # The rest of today: the wait now, then the forecast at each slot still ahead.
    bars = [Bar(clock(now, _locale()), wait_now.mean, True)] if wait_now is not None and wait_now.is_open else []
    bars += [Bar(clock(v.slot.starts_at, _locale()), v.wait_minutes, False) for v in outlook.today
             if v.wait_minutes is not None]
    chart = wait_chart(bars, _("Predicted wait through today (minutes)"), unit,
                       number=lambda v: local_number(round(v))) if bars else None
    return render_template("citizen/_office_details.html", office=office, wait_now=wait_now, chart=chart,
                           free=outlook.free,
                           office_map=_street_map([MapPoint(office.lat, office.lon, office.name(_locale()))],
                                                  _("Where the office is")),
                           directions=maps.directions(office.lat, office.lon, office.name(_locale())),
                           documents={s.code: documents_for(s.code, _locale()) for s in office.services})


@bp.post("/offices/<code>/going")
@limiter.limit(en_route.GOING_PER_ADDRESS)
def going(code: str):
    """"I'm going": count the citizen on their way (ETA from the position sent with the form, if any); a
    second press from the same browser replaces the first."""
    office = finder.office_by_code(code)
    if office is None:
        abort(404)
    here = _position(request.form)
    previous = session.get("going")
    try:
        record = en_route.record_going(office.id, office.lat, office.lon, here,
                                       replaces=(previous["office_id"], previous["record"]) if previous else None)
    except REDIS_ERRORS:
        flash(_("The service is briefly unavailable; please try again in a minute."), "error")
        return redirect(url_for("citizen.office_page", code=office.code))
    session["going"] = {"office_id": office.id, "record": record.record}
    flash(_("Thank you: the office expects you at about %(time)s. Others are told you are on your way.",
            time=clock(record.eta, _locale())), "ok")
    return redirect(url_for("citizen.office_page", code=office.code,
                            **({"lat": here[0], "lon": here[1]} if here else {})))


RESEND_AFTER = 60  # seconds the code step counts down before "send the code again" (the code lives 120)


@bp.route("/offices/<code>/book", methods=["GET", "POST"])
def book(code: str):
    office = finder.office_for_page(code) if request.method == "GET" else finder.office_by_code(code)
    if office is None:
        abort(404)
    form = request.form if request.method == "POST" else request.args
    service_code = form.get("service") or (office.services[0].code if office.services else "")
    today = slots.today_tehran()
    closed = slots.closed_ahead(office, today)
    days = slots.open_days(office, today, closed=closed)
    try:
        day = dt.date.fromisoformat(form.get("date", "")) if form.get("date") else days[0]
    except ValueError:
        day = days[0] if days else slots.today_tehran()
    if days and day not in days:
        day = days[0]
    errors: dict[str, str] = {}
    step = "choose"
    refused_status = 422
    if request.method == "POST" and refusal():  # a rate limit refused this post: the form again, choices kept
        errors["form"] = refusal()
        step = "verify" if form.get("action") in ("confirm", "resend") else "choose"
    elif request.method == "POST" and form.get("action") == "edit":  # "change number": back, choices kept
        step = "choose"
    elif request.method == "POST" and form.get("action") == "confirm":
        try:
            _office, service, slot = appointments.load_booking_targets(office.code, service_code, form.get("slot"))
            mobile = otp.verify_code(form.get("mobile"), form.get("otp"), "booking")
            appointment = appointments.book(office, service, slot, form.get("national_id"), mobile)
            confirm_booking(appointment)
            db.session.commit()
            en_route.sync_appointment(appointment)
            owner_proof.remember(appointment.national_id, appointment.mobile)  # proved by the code just typed
            return redirect(url_for("citizen.ticket", tracking_code=appointment.tracking_code, new=1))
        except ServiceError as error:
            db.session.rollback()
            errors[error.field or "form"] = str(error)
            refused_status = 503 if error.status == 503 else 422  # the identity check is unavailable
            step = "verify" if error.field == "otp" else "choose"
    elif request.method == "POST":
        errors = _booking_form_errors(office, service_code, form)
        if not errors:
            try:
                identity_check.require_match(normalise_national_id(form.get("national_id")),
                                             normalise_mobile(form.get("mobile")))
                otp.send_code(form.get("mobile"), "booking")
                db.session.commit()
                step = "verify"
            except ServiceError as error:  # a mismatch, too many codes to this number: say so where the citizen is
                db.session.rollback()
                errors[error.field or "form"] = str(error)
                refused_status = 503 if error.status == 503 else 422
                step = "verify" if form.get("action") == "resend" else "choose"
    views = slots.day_slots(office, day, closed=closed) if days else []
    page = render_template("citizen/book.html", office=office, days=days, day=day, views=views,
                           service_code=service_code, form=form, errors=errors, step=step,
                           rules=fair_access.rules_for_office(office), resend_after=RESEND_AFTER)
    db.session.commit()  # the slots made for the day shown (after rendering: nothing is reloaded)
    if refused_status == 503:
        return page, 503, {"Retry-After": str(identity_check.RETRY_AFTER)}
    return page, 422 if errors else 200


def _booking_form_errors(office, service_code: str, form: Mapping[str, str]) -> dict[str, str]:
    """Every bad field of the booking form at once (service or slot, national ID, mobile): field -> message."""
    errors: dict[str, str] = {}
    checks = (("slot", lambda value: appointments.load_booking_targets(office.code, service_code, value)),
              ("national_id", normalise_national_id), ("mobile", normalise_mobile))
    for field, check in checks:
        try:
            check(form.get(field))
        except ServiceError as error:
            errors[error.field or field] = str(error)
    return errors


@bp.get("/ticket/<tracking_code>")
def ticket(tracking_code: str):
    try:
        appointment = appointments.find_by_code(tracking_code)
    except ServiceError:
        abort(404)
    from booking.api.serialize import ticket_state_label, wait_text
    from booking.tickets import live_ticket

    live = live_ticket(appointment.tracking_code)
    load = finder.live_loads([appointment.office_id]).get(appointment.office_id)
    return render_template("citizen/ticket.html", appointment=appointment, live=live, load=load,
                           state_label=ticket_state_label, wait_text=wait_text,
                           qr=_qr_svg(url_for("citizen.ticket", tracking_code=appointment.tracking_code,
                                              _external=True)),
                           new=request.args.get("new") == "1", now=utcnow())


def _qr_svg(data: str, scale: int = 4):
    import segno
    from markupsafe import Markup

    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="svg", scale=scale, xmldecl=False, svgns=True,
                                     title="QR", svgclass="qr", lineclass=None, border=2)
    return Markup(buffer.getvalue().decode())


@bp.get("/ticket/<tracking_code>.ics")
def ticket_ics(tracking_code: str):
    try:
        appointment = appointments.find_by_code(tracking_code)
    except ServiceError:
        abort(404)
    return Response(appointment_ics(appointment), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="safnama-{appointment.tracking_code}.ics"'})


@bp.route("/ticket/<tracking_code>/cancel", methods=["GET", "POST"])
def cancel(tracking_code: str):
    """Cancelling asks for confirmation and for the owner: a browser whose citizen proved the appointment's
    mobile by SMS code, or a code texted to that mobile now (a ticket link or QR code alone cannot cancel)."""
    try:
        appointment = appointments.find_by_code(tracking_code)
    except ServiceError:
        abort(404)
    owner = _verified_owner()
    is_owner = owner is not None and owner == (appointment.national_id, appointment.mobile)
    errors: dict[str, str] = {}
    code_sent = False
    status = 200
    if request.method == "POST" and refusal():  # a rate limit refused this post: the page again, with why
        errors["form"] = refusal()
    elif request.method == "POST":
        try:
            if request.form.get("action") == "send_code":
                otp.send_code(appointment.mobile, "cancel")
                db.session.commit()
                code_sent = True
            else:
                appointments.check_owner(appointment, owner, request.form.get("otp"))
                appointments.cancel(appointment, note="web")
                confirm_cancellation(appointment)
                db.session.commit()
                en_route.sync_appointment(appointment)
                flash(_("Your appointment is cancelled; the place is free for others."), "ok")
                return redirect(url_for("citizen.ticket", tracking_code=appointment.tracking_code))
        except ServiceError as error:
            db.session.rollback()
            errors[error.field if error.field == "otp" else "form"] = str(error)
            code_sent = error.field == "otp" and request.form.get("action") != "send_code"
            status = error.status if error.status in (401, 403, 409, 429) else 422
    cancellable = appointment.status == "booked" and appointment.slot.starts_at > utcnow()
    return render_template("citizen/cancel.html", appointment=appointment, is_owner=is_owner, errors=errors,
                           code_sent=code_sent, cancellable=cancellable,
                           masked_mobile=local_digits(mask_mobile(appointment.mobile))), status


@bp.route("/ticket/<tracking_code>/reschedule", methods=["GET", "POST"])
def reschedule(tracking_code: str):
    try:
        appointment = appointments.find_by_code(tracking_code)
    except ServiceError:
        abort(404)
    owner = _verified_owner()
    if owner is None or owner != (appointment.national_id, appointment.mobile):
        flash(_("Confirm your mobile first to change an appointment."), "error")
        return redirect(url_for("citizen.my_appointments"))
    office = appointment.office
    days = slots.open_days(office, slots.today_tehran())
    form = request.form if request.method == "POST" else request.args
    try:
        day = dt.date.fromisoformat(form.get("date", "")) if form.get("date") else days[0]
    except ValueError:
        day = days[0]
    errors: dict[str, str] = {}
    old_slot_id = appointment.slot_id
    if request.method == "POST" and refusal():
        errors["form"] = refusal()
    elif request.method == "POST":
        try:
            slot = db.session.get(TimeSlot, int(form.get("slot") or 0))
            if slot is None:
                raise InvalidInput("slot_unknown", _("Choose a time slot."), field="slot")
            moved = appointments.reschedule(appointment, slot).slot_id != old_slot_id
            if moved:
                confirm_reschedule(appointment)
            db.session.commit()
            en_route.sync_appointment(appointment)
            flash(_("Your appointment is moved."), "ok")
            return redirect(url_for("citizen.ticket", tracking_code=appointment.tracking_code))
        except (ServiceError, ValueError) as error:
            db.session.rollback()
            errors["slot"] = str(error)
    views = slots.day_slots(office, day)
    db.session.commit()
    return render_template("citizen/book.html", office=office, days=days, day=day, views=views,
                           service_code=appointment.service_type.code, form=form, errors=errors, step="choose",
                           rescheduling=appointment), 422 if errors else 200


def _verified_owner() -> tuple[str, str] | None:
    return owner_proof.verified()


@bp.route("/my", methods=["GET", "POST"])
def my_appointments():
    errors: dict[str, str] = {}
    step = "identify"
    form = request.form
    if request.method == "POST" and refusal():
        errors["form"] = refusal()
        step = "verify" if form.get("action") == "confirm" else "identify"
    elif request.method == "POST" and form.get("action") == "edit":
        step = "identify"
    elif request.method == "POST":
        try:
            national_id = normalise_national_id(form.get("national_id"))
            if form.get("action") == "confirm":
                mobile = otp.verify_code(form.get("mobile"), form.get("otp"), "my_appointments")
                owner_proof.remember(national_id, mobile)
                return redirect(url_for("citizen.my_appointments"))
            otp.send_code(form.get("mobile"), "my_appointments")
            db.session.commit()
            step = "verify"
        except ServiceError as error:
            db.session.rollback()
            errors[error.field or "form"] = str(error)
            step = "verify" if form.get("action") == "confirm" and error.field == "otp" else "identify"
    owner = _verified_owner()
    listed = appointments.appointments_of(*owner) if owner and request.method == "GET" else None
    return render_template("citizen/my.html", step=step, errors=errors, form=form, appointments=listed,
                           now=utcnow()), 422 if errors else 200


@bp.post("/my/logout")
def forget_me():
    owner_proof.forget()
    return redirect(url_for("citizen.my_appointments"))


INLINE_REFUSAL_ENDPOINTS.update({"citizen.book", "citizen.reschedule", "citizen.my_appointments", "citizen.cancel"})


def local_time(moment: dt.datetime) -> dt.datetime:
    return to_tehran(moment)


@bp.app_template_filter("minutes")
def minutes_filter(value: float | None) -> str:
    if value is None:
        return "—"
    return local_digits(int(round(value)))


bp.add_app_template_global(fragments.slot_items, "slot_items")  # the booking page's slots (book and reschedule)
bp.add_app_template_global(fragments.day_links, "day_links")  # and its days


@bp.app_template_global()
def level_label(level: str) -> str:
    if level == "quiet":  # one string translated per badge (a find page shows some thirty)
        return _("Quiet")
    if level == "moderate":
        return _("Moderate")
    if level == "busy":
        return _("Busy")
    if level == "very_busy":
        return _("Very busy")
    if level == "closed":
        return _("Closed now")
    if level == "no_counter":
        return _("No counter open yet")
    return _("No data")


@bp.app_template_global()
def line_grace() -> tuple[int, int]:
    """Minutes before and after their slot's start a booked citizen is called first (for the line's rule)."""
    from offices.call_policy import grace_windows

    early, late = grace_windows()
    return int(early.total_seconds() // 60), int(late.total_seconds() // 60)


@bp.app_template_global()
def updated_line(moment: dt.datetime) -> str:
    return fragments.updated_line(moment)


def _config_demo() -> bool:
    return bool(current_app.config.get("DEMO_MODE"))


@bp.app_template_filter("isoday")
def isoday_filter(moment: dt.datetime) -> str:
    """The Tehran calendar day of a moment, ``YYYY-MM-DD`` (for links)."""
    return to_tehran(moment).date().isoformat()


# ---------------------------------------------------------------------------------------------- the waitlist

@bp.route("/offices/<code>/waitlist", methods=["GET", "POST"])
def join_waitlist(code: str):
    """Join the waitlist of a full slot (``slot``) or of a full day (``date``), with the mobile confirmed by a
    one-time code as for booking."""
    from booking import waitlist

    office = finder.office_by_code(code)
    if office is None:
        abort(404)
    form = request.form if request.method == "POST" else request.args
    service_code = form.get("service") or (office.services[0].code if office.services else "")
    slot = None
    day = None
    try:
        slot = db.session.get(TimeSlot, int(ascii_digits(form.get("slot") or "0"))) if form.get("slot") else None
        day = dt.date.fromisoformat(ascii_digits(form.get("date") or "")) if form.get("date") and slot is None \
            else None
    except ValueError:
        slot = day = None
    if slot is None and day is None or slot is not None and slot.office_id != office.id:
        abort(404)
    errors: dict[str, str] = {}
    step = "identify"
    if request.method == "POST":
        try:
            service = next((s for s in office.services if s.code == service_code), None)
            if service is None:
                raise InvalidInput("service_not_offered", _("This office does not offer the chosen service."),
                                   field="service")
            if form.get("action") == "confirm":
                mobile = otp.verify_code(form.get("mobile"), form.get("otp"), "booking")
                entry = waitlist.join(office, service, form.get("national_id"), mobile, slot=slot, day=day)
                place = waitlist.position(entry)
                db.session.commit()
                flash(_("You are on the waitlist, number %(n)s in line. When a place frees, we send you an SMS "
                        "with a link to accept it.", n=local_digits(place)), "ok")
                return redirect(url_for("citizen.office_page", code=office.code))
            normalise_national_id(form.get("national_id"))
            normalise_mobile(form.get("mobile"))
            otp.send_code(form.get("mobile"), "booking")
            db.session.commit()
            step = "verify"
        except ServiceError as error:
            db.session.rollback()
            errors[error.field or "form"] = str(error)
            step = "verify" if form.get("action") == "confirm" and error.field == "otp" else "identify"
    return render_template("citizen/waitlist.html", office=office, slot=slot, day=day, form=form,
                           service_code=service_code, errors=errors, step=step), 422 if errors else 200


@bp.route("/waitlist/offers/<token>", methods=["GET", "POST"])
def waitlist_offer(token: str):
    """The link of a waitlist offer's SMS: the place held, until when, and the button that books it."""
    from booking import waitlist

    try:
        entry = waitlist.offer_by_token(token)
    except ServiceError:
        abort(404)
    error = None
    if request.method == "POST":
        try:
            appointment = appointments.accept_offer(token)
            confirm_booking(appointment)
            db.session.commit()
            en_route.sync_appointment(appointment)
            return redirect(url_for("citizen.ticket", tracking_code=appointment.tracking_code, new=1))
        except ServiceError as refused:
            db.session.rollback()
            error = str(refused)
            entry = waitlist.offer_by_token(token)
    return render_template("citizen/offer.html", entry=entry, error=error, now=utcnow()), 409 if error else 200


# ---------------------------------------------------------------------------------------------- waiting at home

@bp.route("/offices/<code>/queue", methods=["GET", "POST"])
def join_remote_queue(code: str):
    """Join today's line of an office from home (from its page, the recommendation or the QR poster at its door),
    with the mobile confirmed by a one-time code as for booking."""
    from booking import remote_queue

    office = finder.office_by_code(code)
    if office is None:
        abort(404)
    form = request.form if request.method == "POST" else request.args
    service_code = form.get("service") or (office.services[0].code if office.services else "")
    errors: dict[str, str] = {}
    step = "identify"
    if request.method == "POST":
        try:
            service = next((s for s in office.services if s.code == service_code), None)
            if service is None:
                raise InvalidInput("service_not_offered", _("This office does not offer the chosen service."),
                                   field="service")
            if form.get("action") == "confirm":
                mobile = otp.verify_code(form.get("mobile"), form.get("otp"), "booking")
                remote = remote_queue.join(office, service, form.get("national_id"), mobile, origin=_position(form),
                                           channel="qr" if form.get("via") == "qr" else "web",
                                           language=_locale())
                db.session.commit()
                from offices.queue_ops import publish

                publish(office.id)
                return redirect(url_for("citizen.remote_ticket", token=remote.token, new=1))
            normalise_national_id(form.get("national_id"))
            normalise_mobile(form.get("mobile"))
            otp.send_code(form.get("mobile"), "booking")
            db.session.commit()
            step = "verify"
        except ServiceError as error:
            db.session.rollback()
            errors[error.field or "form"] = str(error)
            step = "verify" if form.get("action") == "confirm" and error.field == "otp" else "identify"
    from offices.forecast import forecast_wait

    load = finder.live_loads([office.id]).get(office.id)
    wait_now = forecast_wait(office.id, loads={office.id: load} if load else None)
    return render_template("citizen/queue_join.html", office=office, form=form, service_code=service_code,
                           errors=errors, step=step, load=load, wait_now=wait_now,
                           here=_position(form)), 422 if errors else 200


@bp.get("/queue/<token>")
def remote_ticket(token: str):
    """A place in a line taken from home: people ahead, the call time and when to leave, live."""
    from booking import remote_queue
    from booking.api.serialize import remote_json

    try:
        remote = remote_queue.by_token(token)
    except ServiceError:
        abort(404)
    shown = remote_queue.status(remote)
    return render_template("citizen/queue_ticket.html", remote=remote, shown=remote_json(shown),
                           qr=_qr_svg(url_for("citizen.remote_ticket", token=remote.token, _external=True)),
                           new=request.args.get("new") == "1")


@bp.post("/queue/<token>/<action>")
def remote_ticket_action(token: str, action: str):
    """The holder's buttons: more time (once), on my way, leave the line."""
    from booking import remote_queue

    try:
        remote = remote_queue.by_token(token)
    except ServiceError:
        abort(404)
    acts = {"more-time": remote_queue.more_time, "on-my-way": remote_queue.set_out, "leave": remote_queue.leave}
    if action not in acts:
        abort(404)
    try:
        acts[action](remote)
        db.session.commit()
        from offices.queue_ops import publish

        publish(remote.office_id)
        flash({"more-time": _("Done: you moved back a few places. The new times are below."),
               "on-my-way": _("Noted: the office sees that you are on your way."),
               "leave": _("You have left the line. Your place is given up.")}[action], "ok")
    except ServiceError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    return redirect(url_for("citizen.remote_ticket", token=remote.token))


@bp.get("/offices/<code>/poster")
def queue_poster(code: str):
    """A printable poster for the office's door: its QR code opens the page that joins today's line."""
    office = finder.office_by_code(code)
    if office is None:
        abort(404)
    from booking.public_urls import public_url

    target = public_url("citizen.join_remote_queue", code=office.code, via="qr")
    return render_template("citizen/queue_poster.html", office=office, qr=_qr_svg(target, scale=8), target=target)
