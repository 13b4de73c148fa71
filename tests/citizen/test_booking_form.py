"""The booking form on a phone: every bad field at once with a summary on top and focus on the first; a rate
limit's refusal on the form itself, choices kept, the wait in Persian digits; the code step shows what is
booked, "send the code again" and "change number", keeping every choice."""
from __future__ import annotations

import re

from booking.dates import to_tehran
from booking.extensions import db
from tests.citizen.helpers import a_future_slot, national_id


def _office(make_office):
    office = make_office()
    slot = a_future_slot(office)
    db.session.commit()
    return office, slot


def _choices(office, chosen_slot, **extra):
    return {"service": office.services[0].code, "date": to_tehran(chosen_slot.starts_at).date().isoformat(),
            "slot": str(chosen_slot.id), "national_id": national_id(), "mobile": "09121234567", "action": "send_code",
            **extra}


def test_every_bad_field_at_once_summary_on_top_focus_on_the_first(working_day, client, make_office) -> None:
    office, slot = _office(make_office)
    answer = client.post(f"/offices/{office.code}/book",
                         data=_choices(office, slot, slot="", national_id="12", mobile="12"))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    summary = page[page.index('id="error-summary"'):page.index("</div>", page.index('id="error-summary"'))]
    assert summary.count("<li>") == 3 and 'href="#slot-grid"' in summary and 'href="#national_id"' in summary
    assert page.index('id="error-summary"') < page.index('id="slot-grid"')
    assert len(re.findall(r"\bautofocus\b", page)) == 1  # the first bad field: the first free slot
    assert re.search(r'name="slot"[^>]*\n?[^>]*autofocus', page)
    assert 'value="12"' in page  # what was typed is kept


def test_a_rate_limit_refusal_stays_on_the_form_with_choices(working_day, client, make_office) -> None:
    office, slot = _office(make_office)
    address = {"REMOTE_ADDR": "10.9.9.9"}
    for n in range(5):
        client.post(f"/offices/{office.code}/book", data=_choices(office, slot, mobile=f"0912000000{n}"),
                    environ_base=address)
    chosen = _choices(office, slot, mobile="09120000009")
    refused = client.post(f"/offices/{office.code}/book", data=chosen, environ_base=address)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert 'id="error-summary"' in page and "ثانیهٔ دیگر" in page
    wait = re.search(r"لطفاً (\S+) ثانیه", page).group(1)
    assert re.fullmatch(r"[۰-۹]+", wait)
    assert f'value="{chosen["national_id"]}"' in page and 'value="09120000009"' in page
    assert re.search(rf'value="{slot.id}"[^>]*checked', page)


def test_the_code_step_summarises_resends_and_changes_the_number(working_day, client, make_office) -> None:
    office, slot = _office(make_office)
    chosen = _choices(office, slot)
    page = client.post(f"/offices/{office.code}/book", data=chosen).get_data(as_text=True)
    assert "نوبتی که می‌گیرید" in page and office.name_fa in page and "۰۹۱۲۱۲۳۴۵۶۷" in page
    assert 'value="resend"' in page and 'data-wait="60"' in page and 'value="edit"' in page
    again = client.post(f"/offices/{office.code}/book", data=dict(chosen, action="resend"))
    assert again.status_code == 200 and 'id="otp"' in again.get_data(as_text=True)
    back = client.post(f"/offices/{office.code}/book", data=dict(chosen, action="edit")).get_data(as_text=True)
    assert 'id="otp"' not in back and 'value="09121234567"' in back
    assert f'value="{chosen["national_id"]}"' in back and re.search(rf'value="{slot.id}"[^>]*checked', back)
