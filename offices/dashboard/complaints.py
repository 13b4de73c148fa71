"""Complaints: a citizen files one about an office, its supervisors review and answer it, the citizen reads
the answer with the complaint's tracking code. Service functions add and flush; the request commits."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from booking import identity
from booking.dates import ascii_digits, utcnow
from booking.extensions import db
from booking.models import Appointment
from booking.public_urls import public_url
from booking.security import clean_text
from booking.service_errors import InvalidInput
from booking.sms import queue_sms
from offices.kpis import Unit, scope_filter
from offices.models import Complaint, ComplaintStatus, District, Office, User

# Unambiguous characters for a code people read aloud or type (no 0/O, 1/I).
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
STATUSES = tuple(s.value for s in ComplaintStatus)


class ComplaintError(ValueError):
    """What the citizen or supervisor sent cannot be stored; the message is safe to show."""


CODE_LENGTH = 8
MAX_TEXT = 4000  # characters of a complaint (the column's size)


def new_public_code() -> str:
    """``C-`` and eight characters, e.g. ``C-7KQ2M9XA``."""
    return "C-" + "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """What a citizen typed (any case, Persian digits, spaces) as a stored code."""
    text = ascii_digits(code or "").strip().upper().replace(" ", "")
    if text and not text.startswith("C-"):
        # The eight characters alone, or typed with the C but without the dash ("C7KQ2M9XA"); the eight
        # characters may themselves start with C.
        body = text[1:] if len(text) == CODE_LENGTH + 1 and text.startswith("C") else text
        text = "C-" + body
    return text


def file_complaint(office: Office, text: str, contact: str = "", appointment_code: str = "") -> Complaint:
    """Store a new complaint about ``office`` and return it (with its public tracking code)."""
    text = clean_text(text)
    if len(text) < 10:
        raise ComplaintError("too short")
    if len(text) > MAX_TEXT:
        raise ComplaintError("too long")
    complaint = Complaint(public_code=new_public_code(), office_id=office.id, text=text,
                          contact=clean_text(contact)[:120],
                          appointment_code=ascii_digits(appointment_code or "").strip().upper()[:16] or None,
                          status=ComplaintStatus.NEW.value, answer="")
    db.session.add(complaint)
    db.session.flush()
    return complaint


def find_complaint(code: str) -> Complaint | None:
    return db.session.scalar(select(Complaint).options(joinedload(Complaint.office))
                             .where(Complaint.public_code == normalise_code(code)))


def _like(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere, its own ``%``, ``_`` and ``\\`` taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def complaints_query(unit: Unit, status: str | None = None, *, office: str | None = None,
                     search: str | None = None) -> Select[tuple[Complaint]]:
    """The complaints about the offices under ``unit``, newest first, optionally of one status, of one office
    (its code, or words of its name) and containing ``search`` (in the text, the answer or the code)."""
    query = (select(Complaint).join(Office, Office.id == Complaint.office_id)
             .join(District, District.id == Office.district_id).where(*scope_filter(unit))
             .options(contains_eager(Complaint.office))
             .order_by(Complaint.created_at.desc(), Complaint.id.desc()))
    if status:
        query = query.where(Complaint.status == status)
    office = clean_text(ascii_digits(office or "")).strip()
    if office:
        pattern = _like(office)
        query = query.where(or_(Office.code == office, Office.name_fa.ilike(pattern, escape="\\"),
                                Office.name_en.ilike(pattern, escape="\\")))
    search = clean_text(search or "").strip()
    if search:
        pattern = _like(search)
        query = query.where(or_(Complaint.text.ilike(pattern, escape="\\"),
                                Complaint.answer.ilike(pattern, escape="\\"),
                                Complaint.public_code.ilike(pattern, escape="\\")))
    return query


def answer_complaint(complaint: Complaint, supervisor: User, status: str, answer: str) -> Complaint:
    """Set a complaint's status and answer."""
    if status not in STATUSES:
        raise ComplaintError("unknown status")
    answer = clean_text(answer)
    if status == ComplaintStatus.RESOLVED.value and not answer:
        raise ComplaintError("answer required")
    new_answer = answer[:4000] and answer[:4000] != complaint.answer
    complaint.status = status
    complaint.answer = answer[:4000]
    complaint.answered_by_id = supervisor.id
    complaint.updated_at = utcnow()
    db.session.flush()
    if new_answer:
        notify_answer(complaint)
    return complaint


def complainant_mobile(complaint: Complaint) -> str | None:
    """The mobile to tell about an answer: the contact left with the complaint when it is a mobile number,
    otherwise the mobile of the appointment whose tracking code it names (if any)."""
    try:
        return identity.normalise_mobile(complaint.contact)
    except InvalidInput:
        pass
    if complaint.appointment_code:
        return db.session.scalar(select(Appointment.mobile).where(
            Appointment.tracking_code == complaint.appointment_code, Appointment.office_id == complaint.office_id))
    return None


def notify_answer(complaint: Complaint) -> None:
    """SMS the citizen that their complaint has an answer, with the link to read it (once per answer text)."""
    mobile = complainant_mobile(complaint)
    if mobile is None:
        return
    link = public_url("complaints.status", code=complaint.public_code)
    digest = hashlib.sha256(complaint.answer.encode("utf-8")).hexdigest()[:16]
    queue_sms(mobile, f"صف‌نما: شکایت {complaint.public_code} شما پاسخ داده شد. پاسخ را اینجا بخوانید:\n{link}",
              "complaint_answer", dedupe_key=f"complaint-answer:{complaint.id}:{digest}")
