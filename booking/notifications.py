"""Messages to citizens about their appointments, written to the SMS outbox.

Numbers in them are written by :func:`booking.numbers.format_number` (Persian digits and separators in Persian).
"""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from booking.dates import clock, jalali_date, persian_digits
from booking.models import Appointment, SmsMessage
from booking.numbers import format_number, localize_digits
from booking.public_urls import public_url
from booking.sms import queue_sms

LRI, PDI = "\u2066", "\u2069"  # keep a ticket number left to right inside Persian text


def citizen_language(appointment: Appointment) -> str:
    """The language the citizen booked in: ``en`` or ``fa``."""
    return "en" if appointment.language == "en" else "fa"


def ticket_link(appointment: Appointment) -> str:
    """The appointment's ticket page, in full (for an SMS or a calendar)."""
    return public_url("citizen.ticket", tracking_code=appointment.tracking_code)


def confirm_booking(appointment: Appointment) -> None:
    """Text the booking confirmation (once per appointment): office, service, time, address and the ticket;
    remember the language of the page the citizen booked on, for the messages that follow."""
    from booking.i18n import select_locale

    appointment.language = "en" if select_locale() == "en" else None  # the request's choice, nothing cached
    slot = appointment.slot
    office = appointment.office
    body = (f"صف‌نما: نوبت شما در {persian_digits(office.name_fa)} برای {appointment.service_type.name_fa}، "
            f"{jalali_date(slot.starts_at, 'fa')} ساعت {clock(slot.starts_at, 'fa')} ثبت شد. "
            f"نشانی: {persian_digits(office.address_fa)}. "
            f"کد پیگیری: {appointment.tracking_code}\n{ticket_link(appointment)}")
    queue_sms(appointment.mobile, body, "booking_confirmation", dedupe_key=f"booked:{appointment.id}")


def confirm_cancellation(appointment: Appointment) -> None:
    body = f"صف‌نما: نوبت {appointment.tracking_code} لغو شد."
    queue_sms(appointment.mobile, body, "cancellation", dedupe_key=f"cancelled:{appointment.id}")


def called_text(number: str, counter: int, language: str) -> str:
    """"Safnama: ticket A-012: please go to counter 3 now." in ``language`` (Persian digits in Persian)."""
    with force_locale(language):
        ticket = localize_digits(number, language)
        return _("Safnama: ticket %(number)s: please go to counter %(counter)s now.",
                 number=LRI + ticket + PDI if language == "fa" else ticket,
                 counter=format_number(counter, language))


def notify_called(appointment: Appointment, ticket_id: int, number: str, counter: int) -> SmsMessage:
    """Text a called citizen the counter to go to, in their language.

    Once per ticket and counter: called again to the same counter (after an undo or a return to the line) sends
    nothing more, since the message already says it; called to another counter sends the new one.
    """
    body = called_text(number, counter, citizen_language(appointment))
    return queue_sms(appointment.mobile, body, "called", dedupe_key=f"called:{ticket_id}:{counter}")


def notify_remote_called(remote, number: str, counter: int) -> SmsMessage:
    """A place taken from home called to a counter is always texted (its holder may be outside the hall)."""
    body = called_text(number, counter, "en" if remote.language == "en" else "fa")
    return queue_sms(remote.mobile, body, "called", dedupe_key=f"called:{remote.ticket_id}:{counter}")


def turn_near_text(number: str, ahead: int, minutes: int | None, language: str) -> str:
    """"Your turn (A-012) is near; 2 people are ahead of you (about 9 min)…" in ``language``."""
    with force_locale(language):
        ticket = localize_digits(number, language)
        ticket = LRI + ticket + PDI if language == "fa" else ticket
        if minutes:
            return _("Safnama: your turn (%(number)s) is near; %(ahead)s people are ahead of you (about "
                     "%(minutes)s min). Please stay near the counters.", number=ticket,
                     ahead=format_number(ahead, language), minutes=format_number(minutes, language))
        return _("Safnama: your turn (%(number)s) is near; %(ahead)s people are ahead of you. Please stay near "
                 "the counters.", number=ticket, ahead=format_number(ahead, language))


def notify_turn_near(appointment: Appointment, ticket_id: int, number: str, ahead: int,
                     minutes: int | None) -> SmsMessage:
    """Text a booked citizen in line that their turn is near (once per ticket), in their language."""
    body = turn_near_text(number, ahead, minutes, citizen_language(appointment))
    return queue_sms(appointment.mobile, body, "turn_near", dedupe_key=f"turn-near:{ticket_id}")


def confirm_reschedule(appointment: Appointment) -> None:
    """Text the new time of a moved appointment (once per move: each move adds one change row)."""
    slot = appointment.slot
    body = (f"صف‌نما: نوبت {appointment.tracking_code} در {persian_digits(appointment.office.name_fa)} به "
            f"{jalali_date(slot.starts_at, 'fa')} ساعت {clock(slot.starts_at, 'fa')} منتقل شد.\n"
            f"{ticket_link(appointment)}")
    queue_sms(appointment.mobile, body, "reschedule", dedupe_key=f"moved:{appointment.id}:{len(appointment.changes)}")
