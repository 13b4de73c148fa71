"""Anonymous public pages served from the copy the process rendered seconds ago: the same page, each visitor
with their own form token, never a page with a message for someone else, fresh after a form is posted."""
from __future__ import annotations

import re
import time

import pytest
from flask import g, template_rendered
from itsdangerous import URLSafeTimedSerializer

from booking import page_cache
from booking.extensions import db

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture()
def cached(app):
    """The application with its page cache on (tests run without it), and the templates each request renders."""
    app.config["PAGE_CACHE_SECONDS"] = 30.0
    page_cache.init_app(app)
    rendered: list[str] = []

    def note(sender, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(note, app)
    yield rendered
    template_rendered.disconnect(note, app)


def _raw_token(app, signed: str) -> str:
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").loads(signed)


def test_a_public_page_asked_again_is_not_rendered_again(app, client, cached, make_office, working_day) -> None:
    office = make_office()
    db.session.commit()
    for path in ("/", f"/find?lat={office.lat}&lon={office.lon}", f"/offices/{office.code}",
                 f"/offices/{office.code}/book"):
        cached.clear()
        first = client.get(path)
        assert first.status_code == 200 and cached, path
        cached.clear()
        again = client.get(path)
        assert again.status_code == 200 and cached == [], path
        assert TOKEN.sub("", again.get_data(as_text=True)) == TOKEN.sub("", first.get_data(as_text=True)), path
        assert again.headers["ETag"] == first.headers["ETag"] and again.cache_control.max_age == 10, path
        assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304, path


def test_each_visitor_gets_their_own_form_token(app, client, cached, make_office, working_day) -> None:
    office = make_office()
    db.session.commit()
    path = f"/offices/{office.code}/book"
    mine = TOKEN.search(client.get(path).get_data(as_text=True))[1]
    g.pop("csrf_token", None)  # the tests' requests share one application context; a served one has its own
    stranger = app.test_client()
    cached.clear()
    theirs = TOKEN.findall(stranger.get(path).get_data(as_text=True))
    assert cached == [] and theirs  # the kept copy
    with client.session_transaction() as session:
        my_raw = session["csrf_token"]
    with stranger.session_transaction() as session:
        their_raw = session["csrf_token"]
    assert my_raw != their_raw
    assert _raw_token(app, mine) == my_raw
    assert all(_raw_token(app, token) == their_raw for token in theirs)


def test_languages_are_kept_apart(app, client, cached, make_office, working_day) -> None:
    office = make_office()
    db.session.commit()
    persian = client.get(f"/offices/{office.code}").get_data(as_text=True)
    client.get("/language/en")
    english = client.get(f"/offices/{office.code}").get_data(as_text=True)
    assert 'lang="fa"' in persian and 'lang="en"' in english


def test_a_message_for_a_visitor_is_never_kept_or_served_from_a_copy(app, client, cached, make_office,
                                                                      working_day) -> None:
    office = make_office()
    db.session.commit()
    path = f"/offices/{office.code}"
    stranger = app.test_client()
    stranger.get(path)  # kept
    assert client.post(f"{path}/going").status_code == 302  # "I'm going": a thank-you message waits
    cached.clear()
    thanked = client.get(path).get_data(as_text=True)
    assert "flash-ok" in thanked and cached  # rendered for this visitor, with the message
    cached.clear()
    again = stranger.get(path).get_data(as_text=True)
    assert "flash-ok" not in again


def test_a_form_posted_drops_the_copies(app, client, cached, make_office, working_day) -> None:
    office = make_office()
    db.session.commit()
    path = f"/offices/{office.code}"
    client.get(path)
    client.post(f"{path}/going")
    cached.clear()
    app.test_client().get(path)
    assert cached  # rendered again: one more citizen on the way is shown


def test_a_copy_ends_after_its_seconds(app, client, cached, make_office, working_day) -> None:
    office = make_office()
    db.session.commit()
    app.extensions["safnama.page_cache"].seconds = 0.2
    client.get(f"/offices/{office.code}")
    time.sleep(0.3)
    cached.clear()
    client.get(f"/offices/{office.code}")
    assert cached


def test_the_cache_is_off_in_tests_unless_asked(app, client, make_office, working_day) -> None:
    assert "safnama.page_cache" not in app.extensions


def test_the_best_times_of_an_office_are_rendered_once_for_every_position(app, client, cached, make_office,
                                                                        working_day) -> None:
    office = make_office()
    db.session.commit()
    near = client.get(f"/find?lat={office.lat}&lon={office.lon}").get_data(as_text=True)
    assert "citizen/_best_times.html" in cached and 'class="chip"' in near
    cached.clear()
    farther = client.get(f"/find?lat={office.lat + 0.01}&lon={office.lon}").get_data(as_text=True)
    assert "citizen/find.html" in cached and "citizen/_best_times.html" not in cached  # another page, kept part
    chips = re.compile(r'<a class="chip"[^>]*>[^<]*</a>')
    assert chips.findall(farther) == chips.findall(near) != []


def test_an_office_page_for_another_position_renders_only_its_own_part(app, client, cached, make_office,
                                                                       working_day) -> None:
    office = make_office()
    db.session.commit()
    first = client.get(f"/offices/{office.code}?lat=35.7&lon=51.4").get_data(as_text=True)
    assert "citizen/_office_details.html" in cached
    cached.clear()
    second = client.get(f"/offices/{office.code}?lat=35.8&lon=51.5").get_data(as_text=True)
    assert "citizen/office.html" in cached and "citizen/_office_details.html" not in cached
    assert 'name="lat" value="35.8"' in second and 'name="lat" value="35.7"' in first  # "I'm going" from here
    details = re.compile(r'<section class="card" aria-labelledby="chart-heading">.*', re.DOTALL)
    assert details.search(second)[0] == details.search(first)[0]


def test_the_home_page_content_is_rendered_once_for_every_address(app, client, cached, make_office) -> None:
    make_office()
    db.session.commit()
    first = client.get("/").get_data(as_text=True)
    assert "_home_content.html" in cached and "province-card" in first
    cached.clear()
    other = client.get("/?from=sms").get_data(as_text=True)
    assert "home.html" in cached and "_home_content.html" not in cached
    grid = re.compile(r'<ul class="province-grid">.*?</ul>', re.DOTALL)
    assert grid.search(other)[0] == grid.search(first)[0]
    client.get("/language/en")
    g.pop("_flask_babel", None)  # the tests' requests share one application context; a served one has its own
    assert "Offices by province" in client.get("/?from=sms").get_data(as_text=True)  # its own language
