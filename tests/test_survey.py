"""The satisfaction survey after a visit: once per served visit, rating 1–5, clear errors."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from booking.dates import utcnow
from booking.extensions import db


@pytest.fixture()
def make_visit(app, make_office):
    """``make_visit(outcome="served")``: a booked appointment and its queue ticket; returns the tracking code."""
    from booking.models import Appointment, TimeSlot
    from offices.models import QueueTicket

    def make(outcome: str = "served", code: str = "SURVEY0001") -> str:
        office = make_office()
        service = office.services[0]
        start = utcnow() - dt.timedelta(hours=1)
        slot = TimeSlot(office_id=office.id, starts_at=start, minutes=15, capacity=4, booked=1)
        db.session.add(slot)
        db.session.flush()
        appointment = Appointment(tracking_code=code, national_id="0084575948", mobile="09121234567",
                                  office_id=office.id, service_type_id=service.id, slot_id=slot.id,
                                  status="served" if outcome == "served" else "checked_in")
        db.session.add(appointment)
        db.session.flush()
        db.session.add(QueueTicket(office_id=office.id, service_type_id=service.id, appointment_id=appointment.id,
                                   number="A-001", kind="booked", arrived_at=start, outcome=outcome,
                                   started_at=start if outcome == "served" else None,
                                   ended_at=start + dt.timedelta(minutes=9) if outcome == "served" else None))
        db.session.commit()
        return code

    return make


def _feedback_count() -> int:
    from booking.models import Feedback

    return db.session.scalar(select(func.count(Feedback.id)))


def test_served_citizen_answers_once(client, make_visit) -> None:
    code = make_visit()
    page = client.get(f"/survey/{code}")
    assert page.status_code == 200 and 'name="rating"' in page.get_data(as_text=True)
    answer = client.post(f"/survey/{code}", data={"rating": "۴", "comment": "  سریع بود  "})
    assert answer.status_code == 200 and "سپاس" in answer.get_data(as_text=True)
    from booking.models import Feedback

    stored = db.session.scalar(select(Feedback))
    assert (stored.rating, stored.comment) == (4, "سریع بود")
    again = client.post(f"/survey/{code}", data={"rating": "1"})
    assert again.status_code == 200 and "name=\"rating\"" not in again.get_data(as_text=True)
    assert _feedback_count() == 1 and db.session.scalar(select(Feedback)).rating == 4


@pytest.mark.parametrize("rating", ["0", "6", "", "five"])
def test_rating_outside_one_to_five_is_refused(client, make_visit, rating) -> None:
    code = make_visit()
    response = client.post(f"/survey/{code}", data={"rating": rating})
    assert response.status_code == 422
    assert "۱ تا ۵" in response.get_data(as_text=True)
    assert _feedback_count() == 0


def test_not_yet_served_or_unknown(client, make_visit) -> None:
    code = make_visit(outcome="waiting")
    response = client.post(f"/survey/{code}", data={"rating": "5"})
    assert response.status_code == 409 and "پس از دریافت خدمت" in response.get_data(as_text=True)
    assert client.get("/survey/NOSUCHCODE").status_code == 404
    assert _feedback_count() == 0


def test_service_function_refuses_a_second_answer(app, make_visit) -> None:
    from booking.survey.feedback import SurveyError, record_feedback

    code = make_visit()
    record_feedback(code, 5, "")
    db.session.commit()
    with pytest.raises(SurveyError) as info:
        record_feedback(code, 3, "")
    assert info.value.status == 409
