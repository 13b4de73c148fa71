"""Recording a citizen's satisfaction with a visit."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from booking.dates import utcnow
from booking.extensions import db
from booking.i18n import local_number
from booking.models import Appointment, Feedback
from booking.security import clean_text
from offices.models import QueueTicket

MAX_COMMENT = 1000


class SurveyError(Exception):
    """The survey cannot be answered; ``status`` is the HTTP status that fits, the message says why."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class SurveyTarget:
    appointment: Appointment
    ticket: QueueTicket
    answered: Feedback | None


def survey_target(tracking_code: str) -> SurveyTarget:
    """The served visit behind a tracking code, and its answer if already given.

    Raises:
        SurveyError: no such appointment (404), or the citizen has not been served yet (409).
    """
    appointment = db.session.scalar(select(Appointment).where(Appointment.tracking_code == tracking_code.strip()))
    if appointment is None:
        raise SurveyError(str(_l("No appointment has this tracking code.")), 404)
    ticket = db.session.scalar(select(QueueTicket).where(QueueTicket.appointment_id == appointment.id,
                                                         QueueTicket.outcome == "served"))
    if ticket is None:
        raise SurveyError(str(_l("The survey opens once you have been served.")), 409)
    answered = db.session.scalar(select(Feedback).where(Feedback.ticket_id == ticket.id))
    return SurveyTarget(appointment, ticket, answered)


def record_feedback(tracking_code: str, rating: int, comment: str = "") -> Feedback:
    """Store the rating (1–5) and comment for a served visit, once.

    Raises:
        SurveyError: as :func:`survey_target`; a rating outside 1–5 or a too long comment (422); already
            answered (409).
    """
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise SurveyError(str(_l("Choose a rating from 1 to 5.")), 422)
    comment = clean_text(comment)
    if len(comment) > MAX_COMMENT:
        raise SurveyError(str(_l("The comment may be at most %(n)s characters.", n=local_number(MAX_COMMENT))), 422)
    target = survey_target(tracking_code)
    if target.answered is not None:
        raise SurveyError(str(_l("You have already answered this survey. Thank you.")), 409)
    feedback = Feedback(office_id=target.ticket.office_id, ticket_id=target.ticket.id, rating=rating,
                        comment=comment, created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(feedback)
            db.session.flush()
    except IntegrityError:  # answered at the same moment from another tab
        raise SurveyError(str(_l("You have already answered this survey. Thank you.")), 409) from None
    return feedback
