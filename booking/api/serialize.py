"""Rows as JSON-ready dicts (ISO 8601 times, codes not ids), shared by the API and the pages' scripts."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _

from booking.finder import OfficeCard, Suggestion
from booking.i18n import local_digits, local_number, ngettext, opens_text
from booking.identity import mask_mobile, mask_national_id
from booking.models import Appointment
from booking.slots import SlotView
from offices.live import LiveLoad
from offices.models import Office


def office_json(office: Office | OfficeCard, load: LiveLoad | None = None,
                travel: float | None = None) -> dict[str, Any]:
    """An office as the API shows it (``OfficeSchema``), from its row or its cached card."""
    card = office if isinstance(office, OfficeCard) else OfficeCard.of(office)
    return {**card.as_json(), "travel_minutes": round(travel, 1) if travel is not None else None,
            "load": load.as_dict() if load is not None else None}


def slot_json(view: SlotView) -> dict[str, Any]:
    slot = view.slot
    return {"id": slot.id, "starts_at": slot.starts_at.isoformat(),
            "ends_at": (slot.starts_at + dt.timedelta(minutes=slot.minutes)).isoformat(),
            "capacity": slot.capacity, "remaining": view.remaining, "state": view.state,
            "predicted_wait": round(view.wait_minutes, 1) if view.wait_minutes is not None else None}


def appointment_json(appointment: Appointment, with_status: bool = False) -> dict[str, Any]:
    slot = appointment.slot
    data: dict[str, Any] = {
        "tracking_code": appointment.tracking_code, "status": appointment.status,
        "office": appointment.office.code, "office_name_fa": appointment.office.name_fa,
        "office_name_en": appointment.office.name_en, "service": appointment.service_type.code,
        "starts_at": slot.starts_at.isoformat(),
        "ends_at": (slot.starts_at + dt.timedelta(minutes=slot.minutes)).isoformat(),
        "national_id": mask_national_id(appointment.national_id), "mobile": mask_mobile(appointment.mobile),
        "created_at": appointment.created_at.isoformat(), "position": None, "ticket": None, "estimated_wait": None,
    }
    if with_status and appointment.status == "checked_in":
        from booking.tickets import ticket_status

        status = ticket_status(appointment)
        data["position"] = status.position
        data["ticket"] = status.ticket.number if status.ticket else None
        data["estimated_wait"] = round(status.estimated_wait, 1) if status.estimated_wait is not None else None
    return data


def reason_text(suggestion: Suggestion, nearest: Suggestion | None) -> str:
    """One line, e.g. "12 min away, ~8 min wait when you arrive (4 people are already on their way); the
    nearest office has ~40 min" (translated); for an office closed on arrival, "closed now: opens Saturday
    1405/09/15 at 07:30, ~6 min wait at opening; 12 min away". Its numbers are written in the request's language
    (:func:`booking.i18n.local_number`: Persian digits and separators in Persian)."""
    if suggestion.opens_at is not None:
        return opens_text(suggestion.opens_at) + _(", ~%(wait)s min wait at opening; %(travel)s min away",
                                                   wait=local_number(round(suggestion.wait_mean)),
                                                   travel=local_number(round(suggestion.travel_min)))
    head = _("%(travel)s min away, ~%(wait)s min wait when you arrive",
             travel=local_number(round(suggestion.travel_min)), wait=local_number(round(suggestion.wait_mean)))
    if suggestion.no_counter_open:
        head += _(" (no counter is open yet)")
    if suggestion.en_route:
        head += ngettext(" (%(num)s person is already on their way)", " (%(num)s people are already on their way)",
                         suggestion.en_route)
    if suggestion.is_nearest or nearest is None:
        return head + _("; this is the nearest office")
    return head + _("; the nearest office has ~%(wait)s min", wait=local_number(round(nearest.wait_mean)))


def ticket_json(live) -> dict[str, Any]:
    """A ticket's live status (:class:`booking.tickets.LiveTicket`) as ``GET /api/tickets/<code>`` answers it:
    the figures, and the lines the ticket page shows, in the request's language."""
    from booking.tickets import POLL_SECONDS

    texts: dict[str, str | None] = {"state": ticket_state_label(live.state), "called": None, "position": None,
                                    "wait": None}
    if live.counter is not None:
        texts["called"] = _("Your turn: go to counter %(n)s.", n=local_number(live.counter))
    if live.position is not None:
        texts["position"] = local_number(live.position)
    if live.wait_mean is not None:
        texts["wait"] = wait_text(live.wait_mean, live.wait_p90)
    return {"tracking_code": live.tracking_code, "office": live.office_code, "status": live.status,
            "state": live.state, "ticket": live.number, "ticket_text": local_digits(live.number) if live.number else None,
            "counter": live.counter, "called_at": live.called_at.isoformat() if live.called_at else None,
            "position": live.position,
            "wait_mean": round(live.wait_mean, 1) if live.wait_mean is not None else None,
            "wait_p90": round(live.wait_p90, 1) if live.wait_p90 is not None else None,
            "finished": live.finished, "poll_seconds": None if live.finished else POLL_SECONDS, "text": texts}


def wait_text(mean: float, p90: float | None) -> str:
    """"~8 min (at most ~15)" in the request's language: the mean and the 90th percentile of a wait."""
    if p90 is None or round(p90) <= round(mean):
        return _("~%(n)s min", n=local_number(round(mean)))
    return _("~%(n)s min (at most ~%(p90)s)", n=local_number(round(mean)), p90=local_number(round(p90)))


def ticket_state_label(state: str) -> str:
    """The name of a ticket's state, as its page shows it."""
    if state == "booked":
        return _("Booked")
    if state == "waiting":
        return _("Checked in")
    if state == "called":
        return _("Called")
    if state == "serving":
        return _("At the counter")
    if state == "served":
        return _("Served")
    if state == "no_show":
        return _("Missed")
    if state == "left":
        return _("Left the line")
    if state == "cancelled":
        return _("Cancelled")
    return state


def remote_state_label(state: str) -> str:
    """The name of a remote ticket's state, as its page shows it."""
    labels = {"at_home": _("In line, waiting at home"), "on_the_way": _("In line, on the way"),
              "here": _("In line, at the office")}
    return labels.get(state) or ticket_state_label(state)


def remote_json(shown) -> dict[str, Any]:
    """A place in a line taken from home (:class:`booking.remote_queue.RemoteStatus`) as
    ``GET /api/queue/<token>`` answers it: the figures and the lines its page shows, in the request's language."""
    from booking.dates import clock
    from booking.i18n import current_locale
    from booking.tickets import POLL_SECONDS

    locale = current_locale()
    texts: dict[str, str | None] = {"state": remote_state_label(shown.state), "called": None, "position": None,
                                    "wait": None, "call_at": None, "leave_at": None}
    if shown.counter is not None:
        texts["called"] = _("Your turn: go to counter %(n)s.", n=local_number(shown.counter))
    if shown.position is not None:
        texts["position"] = local_number(shown.position)
    if shown.call_p50 is not None:
        texts["wait"] = wait_text(shown.call_mean, shown.call_p90)
        texts["call_at"] = _("about %(p50)s, surely by %(p90)s", p50=clock(shown.call_at, locale),
                             p90=clock(shown.call_at_p90, locale))
    if shown.leave_in is not None:
        texts["leave_at"] = (_("now") if shown.leave_in < 1 else
                             _("%(at)s (in %(n)s min)", at=clock(shown.leave_at, locale),
                               n=local_number(round(shown.leave_in))))
    moment = lambda value: value.isoformat() if value is not None else None  # noqa: E731
    return {"token": shown.token, "office": shown.office_code, "state": shown.state, "ticket": shown.number,
            "ticket_text": local_digits(shown.number), "counter": shown.counter, "position": shown.position,
            "call_p50": round(shown.call_p50, 1) if shown.call_p50 is not None else None,
            "call_p90": round(shown.call_p90, 1) if shown.call_p90 is not None else None,
            "call_at": moment(shown.call_at), "call_at_p90": moment(shown.call_at_p90),
            "leave_in": round(shown.leave_in, 1) if shown.leave_in is not None else None,
            "leave_at": moment(shown.leave_at), "travel_minutes": round(shown.travel_minutes, 1),
            "more_time_available": shown.more_time_available and shown.waiting, "passed_over": shown.passed,
            "waiting": shown.waiting, "finished": shown.finished,
            "poll_seconds": None if shown.finished else POLL_SECONDS, "text": texts}
