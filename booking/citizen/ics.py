"""An appointment as an iCalendar (RFC 5545) event, for a phone's calendar."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from booking.models import Appointment
from booking.notifications import ticket_link


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


#: The calendar reminds the citizen this long before the appointment.
ALARM_BEFORE = dt.timedelta(hours=1)


def appointment_ics(appointment: Appointment) -> str:
    """The event: time, office and address, the ticket's address, and an alarm an hour before."""
    slot = appointment.slot
    office = appointment.office
    link = ticket_link(appointment)
    host = urlsplit(link).hostname or "safnama"
    minutes = int(ALARM_BEFORE.total_seconds() // 60)
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Safnama//Appointments//FA", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", "BEGIN:VEVENT", f"UID:{appointment.tracking_code}@{host}",
        f"DTSTAMP:{_utc(appointment.created_at)}", f"DTSTART:{_utc(slot.starts_at)}",
        f"DTEND:{_utc(slot.starts_at + dt.timedelta(minutes=slot.minutes))}",
        f"SUMMARY:{_escape('نوبت ' + appointment.service_type.name_fa + ' — ' + office.name_fa)}",
        f"LOCATION:{_escape(office.address_fa)}", f"GEO:{office.lat:.6f};{office.lon:.6f}",
        f"DESCRIPTION:{_escape('کد پیگیری: ' + appointment.tracking_code + chr(10) + link)}",
        f"URL:{link}",
        "STATUS:" + ("CANCELLED" if appointment.status == "cancelled" else "CONFIRMED"),
    ]
    if appointment.status != "cancelled":
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"TRIGGER:-PT{minutes}M",
                  f"DESCRIPTION:{_escape('نوبت صف‌نما: ' + office.name_fa)}", "END:VALARM"]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def _fold(line: str) -> str:
    """RFC 5545 3.1: lines longer than 75 octets go on as continuation lines starting with a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, start = [], 0
    while start < len(data):
        end = min(len(data), start + (75 if start == 0 else 74))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # never split a character
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start = end
    return "\r\n ".join(parts)
