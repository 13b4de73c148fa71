"""Messages to citizens about their appointments, written to the SMS outbox."""
from __future__ import annotations

from booking.dates import clock, jalali_date
from booking.models import Appointment
from booking.sms import queue_sms


def confirm_booking(appointment: Appointment) -> None:
    """Text the booking confirmation (once per appointment)."""
    slot = appointment.slot
    body = (f"صف‌نما: نوبت شما در {appointment.office.name_fa} برای {appointment.service_type.name_fa}، "
            f"{jalali_date(slot.starts_at, 'fa')} ساعت {clock(slot.starts_at, 'fa')} ثبت شد. "
            f"کد پیگیری: {appointment.tracking_code}")
    queue_sms(appointment.mobile, body, "booking_confirmation", dedupe_key=f"booked:{appointment.id}")


def confirm_cancellation(appointment: Appointment) -> None:
    body = f"صف‌نما: نوبت {appointment.tracking_code} لغو شد."
    queue_sms(appointment.mobile, body, "cancellation", dedupe_key=f"cancelled:{appointment.id}")


def confirm_reschedule(appointment: Appointment) -> None:
    """Text the new time of a moved appointment (once per move: each move adds one change row)."""
    slot = appointment.slot
    body = (f"صف‌نما: نوبت {appointment.tracking_code} در {appointment.office.name_fa} به "
            f"{jalali_date(slot.starts_at, 'fa')} ساعت {clock(slot.starts_at, 'fa')} منتقل شد.")
    queue_sms(appointment.mobile, body, "reschedule", dedupe_key=f"moved:{appointment.id}:{len(appointment.changes)}")
