"""An appointment as an iCalendar (RFC 5545) event, for a phone's calendar."""
from __future__ import annotations

import datetime as dt

from booking.models import Appointment


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def appointment_ics(appointment: Appointment, host: str) -> str:
    slot = appointment.slot
    office = appointment.office
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Safnama//Appointments//FA", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", "BEGIN:VEVENT", f"UID:{appointment.tracking_code}@{host.split(':')[0] or 'safnama'}",
        f"DTSTAMP:{_utc(appointment.created_at)}", f"DTSTART:{_utc(slot.starts_at)}",
        f"DTEND:{_utc(slot.starts_at + dt.timedelta(minutes=slot.minutes))}",
        f"SUMMARY:{_escape('نوبت ' + appointment.service_type.name_fa + ' — ' + office.name_fa)}",
        f"LOCATION:{_escape(office.address_fa)}", f"GEO:{office.lat:.6f};{office.lon:.6f}",
        f"DESCRIPTION:{_escape('کد پیگیری: ' + appointment.tracking_code)}",
        "STATUS:" + ("CANCELLED" if appointment.status == "cancelled" else "CONFIRMED"),
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
