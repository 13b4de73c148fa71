"""Console views: parse, check access, call one queue operation, commit and publish, show the board."""
from __future__ import annotations

import datetime as dt
from typing import Callable

from flask import abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, IntegerField, StringField
from wtforms.validators import Optional

from booking.dates import ascii_digits, jalali_date, parse_day_text, to_tehran, utcnow
from booking.extensions import db
from booking.i18n import current_locale, local_digits, local_number
from offices import queue_ops, staffing_plan
from offices.auth import operator_required
from offices.console.blueprint import bp
from offices.console.board import lobby_state
from offices.console.board import office_board as build_board
from offices.models import Office, Role


class ActionForm(FlaskForm):
    """One form class for every console action (each action reads the fields it needs); CSRF-protected."""

    query = StringField(validators=[Optional()])
    service = StringField(validators=[Optional()])
    counter = IntegerField(validators=[Optional()])
    ticket = IntegerField(validators=[Optional()])
    next = HiddenField()


class PlanForm(FlaskForm):
    """A day's staffing plan: the day (Jalali or ISO) and the counters staffed, or ``clear`` to withdraw it."""

    day = StringField(validators=[Optional()])
    counters = StringField(validators=[Optional()])  # Persian digits as typed
    clear = HiddenField()


class SettingsForm(FlaskForm):
    """The office's settings the console changes."""

    sms_on_call = BooleanField()


def _office(code: str) -> Office:
    office = db.session.scalar(select(Office).where(Office.code == code))
    if office is None:
        abort(404)
    return office


@bp.get("/console")
@login_required
def board():
    """The console's entry: an operator goes to their office; an admin names one with ``?office=``."""
    if current_user.role == Role.OPERATOR.value:
        return redirect(url_for("console.office_board", office_code=current_user.office.code))
    if current_user.role == Role.ADMIN.value:
        code = (request.args.get("office") or "").strip()
        if code:
            return redirect(url_for("console.office_board", office_code=code))
        return render_template("console/choose_office.html")
    abort(403)


@bp.get("/console/<office_code>")
@operator_required
def office_board(office_code: str):
    office = _office(office_code)
    my_counter = session.get(f"counter:{office.id}")
    tomorrow = to_tehran(utcnow()).date() + dt.timedelta(days=1)
    return render_template("console/board.html", board=build_board(office), form=ActionForm(),
                           my_counter=my_counter, plans=staffing_plan.upcoming_plans(office),
                           plan_example=jalali_date(tomorrow, current_locale()))


def _ticket_no(ticket) -> str:
    """A ticket number for a message: local digits, kept left to right inside Persian text (``A-042`` would
    otherwise read ``042-A``), by Unicode's left-to-right isolate."""
    return "\u2066" + local_digits(ticket.number) + "\u2069"


def _counter(form: ActionForm, office: Office) -> int:
    number = form.counter.data or session.get(f"counter:{office.id}")
    if not number:
        raise queue_ops.QueueError(_("Choose a counter first."))
    return int(number)


def _ticket(form: ActionForm) -> int:
    if not form.ticket.data:
        raise queue_ops.QueueError(_("Choose a ticket first."))
    return int(form.ticket.data)


def _act_check_in(office, form):
    ticket = queue_ops.check_in(office, form.query.data or "", current_user)
    return ticket, _("Checked in: ticket %(number)s.", number=_ticket_no(ticket))


def _act_walk_in(office, form):
    ticket = queue_ops.add_walk_in(office, form.service.data or "", current_user)
    return ticket, _("New ticket %(number)s.", number=_ticket_no(ticket))


def _act_call(office, form):
    counter = _counter(form, office)
    ticket = queue_ops.call_next(office, counter, current_user)
    if ticket is None:
        return None, _("Nobody is waiting.")
    return ticket, _("Ticket %(number)s called to counter %(counter)s.", number=_ticket_no(ticket),
                     counter=local_number(counter))


def _act_start(office, form):
    ticket = queue_ops.start_service(office, _ticket(form), current_user)
    return ticket, _("Service started for %(number)s.", number=_ticket_no(ticket))


def _act_finish(office, form):
    ticket = queue_ops.finish_service(office, _ticket(form), current_user)
    return ticket, _("%(number)s served.", number=_ticket_no(ticket))


def _act_no_show(office, form):
    ticket = queue_ops.mark_no_show(office, _ticket(form), current_user)
    return ticket, _("%(number)s did not come.", number=_ticket_no(ticket))


def _act_back(office, form):
    ticket = queue_ops.send_back(office, _ticket(form), current_user)
    return ticket, _("%(number)s is back in the line.", number=_ticket_no(ticket))


def _act_transfer(office, form):
    ticket = queue_ops.transfer(office, _ticket(form), form.service.data or "", current_user)
    return ticket, _("Transferred: new ticket %(number)s.", number=_ticket_no(ticket))


def _act_left(office, form):
    ticket = queue_ops.mark_left(office, _ticket(form), current_user)
    return ticket, _("%(number)s left the office.", number=_ticket_no(ticket))


def _act_undo(office, form):
    event = queue_ops.undo_last(office, current_user)
    return None, _("Undone.") if event else ""


def _act_open(office, form):
    counter = _counter(form, office)
    queue_ops.open_counter(office, counter, current_user)
    session[f"counter:{office.id}"] = counter
    return None, _("Counter %(n)s is open.", n=local_number(counter))


def _act_close(office, form):
    counter = _counter(form, office)
    queue_ops.close_counter(office, counter, current_user)
    return None, _("Counter %(n)s is closed.", n=local_number(counter))


ACTIONS: dict[str, Callable] = {
    "check-in": _act_check_in, "walk-in": _act_walk_in, "call": _act_call, "start": _act_start,
    "finish": _act_finish, "no-show": _act_no_show, "back": _act_back, "transfer": _act_transfer,
    "left": _act_left, "undo": _act_undo, "counter-open": _act_open, "counter-close": _act_close,
}
EVENT_OF_ACTION = {"finish": "finish"}


@bp.post("/console/<office_code>/<action>")
@operator_required
def act(office_code: str, action: str):
    """Do one queue action; a failure rolls back and shows the reason (with a 4xx status to a script)."""
    handler = ACTIONS.get(action)
    if handler is None:
        abort(404)
    office = _office(office_code)
    form = ActionForm()
    if not form.validate():
        return _respond(office, _("The form was not valid; please try again."), 400)
    try:
        ticket, message = handler(office, form)
    except queue_ops.QueueError as refused:
        db.session.rollback()
        return _respond(office, str(refused), refused.status)
    queue_ops.commit_and_publish(office.id, EVENT_OF_ACTION.get(action), ticket.id if ticket is not None else None)
    return _respond(office, message, 200)


def _respond(office: Office, message: str, status: int):
    """The answer to an action: JSON with the status that fits for a script; for the page, the message
    flashed and a redirect (303) back to the board, failures included, so that the browser never stays on
    the POST's address and no reload re-sends an action."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"ok": status < 400, "message": message}), status
    if message:
        flash(message, "info" if status < 400 else "error")
    return redirect(url_for("console.office_board", office_code=office.code), 303)


@bp.post("/console/<office_code>/my-counter")
@operator_required
def choose_counter(office_code: str):
    """Remember which counter this operator sits at (used by the keyboard shortcuts)."""
    office = _office(office_code)
    form = ActionForm()
    number = form.counter.data if form.validate() else None
    if not number or not 1 <= number <= office.counters:
        return _respond(office, _("This office has counters 1 to %(n)s.", n=local_number(office.counters)), 422)
    session[f"counter:{office.id}"] = number
    return redirect(url_for("console.office_board", office_code=office.code), 303)


@bp.post("/console/<office_code>/settings")
@operator_required
def settings(office_code: str):
    """Save the office's settings: whether called citizens are texted the counter."""
    office = _office(office_code)
    form = SettingsForm()
    if not form.validate():
        return _respond(office, _("The form was not valid; please try again."), 400)
    on = queue_ops.set_sms_on_call(office, form.sms_on_call.data)
    db.session.commit()
    return _respond(office, _("Called citizens are texted the counter.") if on else
                    _("Called citizens are no longer texted."), 200)


@bp.post("/console/<office_code>/staffing")
@operator_required
def staffing(office_code: str):
    """Announce (or withdraw) the counters the office will staff on a day: the forecast follows it."""
    office = _office(office_code)
    form = PlanForm()
    if not form.validate():
        return _respond(office, _("The form was not valid; please try again."), 400)
    try:
        day = parse_day_text(form.day.data or "")
    except (ValueError, TypeError):
        return _respond(office, _("“%(value)s” is not a date; write it as 1405/09/03.",
                                  value=(form.day.data or "")[:20]), 400)
    locale = current_locale()
    if form.clear.data:
        withdrawn = staffing_plan.clear_counter_plan(office, day)
        db.session.commit()
        return _respond(office, _("The plan for %(day)s is withdrawn.", day=jalali_date(day, locale)) if withdrawn
                        else _("There was no plan for %(day)s.", day=jalali_date(day, locale)), 200)
    try:
        counters = int(ascii_digits(form.counters.data or "").strip())
    except ValueError:
        counters = 0  # refused below with the office's range
    try:
        plan = staffing_plan.set_counter_plan(office, day, counters, by=current_user)
    except staffing_plan.PlanError as refused:
        db.session.rollback()
        return _respond(office, str(refused), refused.status)
    db.session.commit()
    return _respond(office, _("On %(day)s the waits shown expect %(n)s counters.", day=jalali_date(day, locale),
                              n=local_number(plan.counters)), 200)


# ------------------------------------------------------------------------------ lobby display (public)

@bp.get("/lobby/<office_code>")
def lobby(office_code: str):
    office = _office(office_code)
    return render_template("console/lobby.html", office=office, state=lobby_state(office))


@bp.get("/lobby/<office_code>/state.json")
def lobby_json(office_code: str):
    response = jsonify(lobby_state(_office(office_code)))
    response.headers["Cache-Control"] = "no-store"
    return response
