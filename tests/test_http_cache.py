"""HTTP caching: hashed static names kept a year, public pages and the load API revalidated by ETag within
seconds, private pages never stored."""
from __future__ import annotations

import re

import pytest

from booking import PROJECT_ROOT
from booking.extensions import db
from booking.http_cache import LIVE_MAX_AGE, STATIC_MAX_AGE
from booking.public_load import MAX_AGE
from tests.citizen.helpers import a_future_slot

CSS = re.compile(r'href="(/static/css/site\.([0-9a-f]{12})\.css)"')


def test_static_files_are_linked_under_their_digest_and_kept_a_year(client, make_province) -> None:
    make_province(code="23")
    db.session.commit()
    link, digest = CSS.search(client.get("/").get_data(as_text=True)).groups()
    import hashlib

    assert digest == hashlib.sha256((PROJECT_ROOT / "static/css/site.css").read_bytes()).hexdigest()[:12]
    response = client.get(link)
    assert response.status_code == 200
    assert response.data == (PROJECT_ROOT / "static/css/site.css").read_bytes()
    assert response.cache_control.max_age == STATIC_MAX_AGE == 31536000
    assert response.cache_control.public and response.cache_control.immutable
    # The plain name (fonts linked from the style sheets) and an outdated digest are revalidated every time.
    for path in ("/static/css/site.css", "/static/css/site.000000000000.css",
                 "/static/fonts/vazirmatn-arabic-400-normal.woff2"):
        plain = client.get(path)
        assert plain.status_code == 200 and plain.cache_control.no_cache and not plain.cache_control.immutable
    assert client.get("/static/css/nothing.000000000000.css").status_code == 404


def _public_paths(office) -> list[str]:
    return ["/", f"/provinces/{office.district.province.code}", f"/find?lat={office.lat}&lon={office.lon}",
            f"/find?district={office.district.code}", f"/offices/{office.code}", f"/offices/{office.code}/book",
            f"/api/offices/{office.code}/load"]


def test_public_pages_and_the_load_api_carry_an_etag_and_a_short_max_age(client, make_office, working_day) -> None:
    office = make_office()
    db.session.commit()
    assert LIVE_MAX_AGE == int(MAX_AGE) <= 10
    for path in _public_paths(office):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.cache_control.max_age == LIVE_MAX_AGE, path
        assert response.headers.get("ETag"), path
        if path.startswith("/api/"):
            assert response.cache_control.public and "Set-Cookie" not in response.headers
        else:
            assert response.cache_control.private and "Cookie" in response.vary, path
        again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"", path
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200, path


def test_a_page_keeps_its_etag_though_its_form_token_is_signed_anew(client, make_office, working_day) -> None:
    """The page's form token is signed with the time; the ETag leaves it out but not the session's token."""
    office = make_office()
    db.session.commit()
    first = client.get(f"/offices/{office.code}/book")
    token = re.search(r'name="csrf_token" value="([^"]+)"', first.get_data(as_text=True))
    assert token is not None
    stranger = client.application.test_client()
    other = stranger.get(f"/offices/{office.code}/book")
    assert other.headers["ETag"] != first.headers["ETag"]  # another session, another token
    assert stranger.get(f"/offices/{office.code}/book",
                        headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_the_load_changes_its_etag(client, make_office, working_day) -> None:
    from offices.live import refresh_live_load
    from offices.queue_ops import add_walk_in

    office = make_office()
    db.session.commit()
    path = f"/api/offices/{office.code}/load"
    before = client.get(path).headers["ETag"]
    add_walk_in(office, office.services[0].code, None)
    db.session.commit()
    refresh_live_load(office.id)
    response = client.get(path, headers={"If-None-Match": before})
    assert response.status_code == 200 and response.headers["ETag"] != before
    assert response.get_json()["waiting"] == 1


@pytest.mark.parametrize("who", ["operator", "supervisor"])
def test_staff_pages_and_pages_seen_by_staff_are_never_stored(app, client, make_office, make_staff, who,
                                                              working_day) -> None:
    office = make_office()
    if who == "operator":
        make_staff("op", role="operator", office_id=office.id)
        paths = [f"/console/{office.code}", f"/lobby/{office.code}"]
    else:
        make_staff("sup", scope="nation")
        paths = ["/dashboard/", f"/dashboard/office/{office.code}"]
    db.session.commit()
    assert client.post("/login", data={"username": "op" if who == "operator" else "sup",
                                       "password": "secret-pass"}).status_code == 302
    for path in paths + ["/", f"/offices/{office.code}", "/find"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.cache_control.no_store and "ETag" not in response.headers, path


def test_a_citizens_own_pages_are_never_stored(client, make_office, working_day) -> None:
    from booking import appointments

    office = make_office()
    slot = a_future_slot(office)
    appointment = appointments.book(office, office.services[0], slot, "0499370899", "09121234567")
    db.session.commit()
    code = appointment.tracking_code
    for path in (f"/ticket/{code}", f"/ticket/{code}.ics", "/my", f"/api/appointments/{code}", "/login"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.cache_control.no_store and "ETag" not in response.headers, path
