"""Messages to citizens about their appointments, written to the SMS outbox."""
from __future__ import annotations

from booking.dates import clock, jalali_date, persian_digits
from booking.models import Appointment
from booking.public_urls import public_url
from booking.sms import queue_sms


def ticket_link(appointment: Appointment) -> str:
    """The appointment's ticket page, in full (for an SMS or a calendar)."""
    return public_url("citizen.ticket", tracking_code=appointment.tracking_code)


def confirm_booking(appointment: Appointment) -> None:
    """Text the booking confirmation (once per appointment): office, service, time, address and the ticket."""
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
