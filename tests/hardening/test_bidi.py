"""Bidirectional control characters (which can reverse what staff read) are stripped from stored free text."""
from __future__ import annotations

from sqlalchemy import select

from booking.extensions import db
from booking.security import BIDI_CONTROLS, clean_text
from tests.hardening.conftest import Cast, log_in

SPOOF = "Refund \u202egpj.exe\u202c please \u2066call\u2069 \u200f0912\u200e now"


def test_clean_text_strips_every_bidi_control():
    assert set(BIDI_CONTROLS) >= set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
    assert clean_text(SPOOF) == "Refund gpj.exe please call 0912 now"
    assert clean_text("سلام\u200cدنیا") == "سلام\u200cدنیا"  # the zero-width non-joiner is Persian spelling


def test_a_complaint_filed_through_the_form_is_stored_clean(app, client, cast: Cast):
    from offices.models import Complaint

    response = client.post("/complaints/new", data={"office": cast.office_a.code, "text": SPOOF,
                                                    "contact": "\u202e0912"})
    assert response.status_code == 302
    stored = db.session.scalar(select(Complaint))
    assert stored.text == "Refund gpj.exe please call 0912 now" and stored.contact == "0912"
    supervisor = log_in(app.test_client(), cast.users["national_supervisor"])
    supervisor.post(f"/dashboard/complaints/{stored.public_code}", data={"status": "resolved",
                                                                        "answer": "Done \u202eok"})
    db.session.refresh(stored)
    assert stored.answer == "Done ok"
    assert not any(ch in supervisor.get("/dashboard/complaints?format=csv").get_data(as_text=True)
                   for ch in BIDI_CONTROLS)
