"""Faults survived, on servers these tests own and really stop and start (never the shared ones).

* Redis stopped: bookings and operator actions still succeed, the live load says it is stale, one-time
  codes answer 503 with a clear message; when Redis returns the minute job rebuilds the live load and
  delivers the text messages written meanwhile.
* A worker killed (SIGKILL, with its work horse) in the middle of an SMS job: RQ runs the job again and
  the provider receives the message once.
* PostgreSQL restarted: requests answer 503 with a clear message during the outage and succeed after; a
  booking retried with its Idempotency-Key is stored once; nothing is lost or duplicated.
"""
from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from booking import create_app
from booking.extensions import db
from tests.citizen.helpers import a_future_slot, national_id
from tests.hardening.conftest import PASSWORD
from tests.hardening.servers import PG_BIN, PostgresCluster, RedisServer

pytestmark = pytest.mark.slow


@pytest.fixture()
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


def _app_on(config: dict[str, Any], **overrides: Any):
    return create_app(dict(config, **overrides))


@pytest.fixture()
def redis_app(backend, own_redis: RedisServer):
    """The application on the test database and on a Redis server this test owns."""
    from offices.demo.seed import wipe_data

    application = _app_on(backend["config"], REDIS_URL=own_redis.url, REDIS_EMBEDDED_PATH=None,
                          RATELIMIT_STORAGE_URI=None)
    with application.app_context():
        wipe_data()
        yield application
        db.session.rollback()
        wipe_data()
        db.session.remove()
        db.engine.dispose()
    from booking import limits
    from booking.redis_conn import redis_handle

    redis_handle(application).close()
    limits.limiter.init_app(create_app(dict(backend["config"])))  # the limiter back on the shared Redis


def _operator(office) -> Any:
    from offices.models import User

    user = User(username=f"op-{office.code}", full_name="Operator", role="operator", office_id=office.id)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def test_redis_stopped_then_back(redis_app, own_redis: RedisServer, make_office):
    from booking import appointments
    from booking.models import SmsMessage
    from booking.notifications import confirm_booking
    from offices import jobs

    office = make_office()
    service = office.services[0]
    slot = a_future_slot(office)
    operator = _operator(office)
    client = redis_app.test_client()
    assert client.get(f"/api/offices/{office.code}/load").get_json()["stale"] is False

    own_redis.stop()
    # a booking still succeeds (the confirmation waits in the outbox)
    appointment = appointments.book(office, service, slot, national_id(), "09121234567")
    confirm_booking(appointment)
    db.session.commit()
    # operator actions still succeed against the database
    assert client.post("/login", data={"username": operator.username, "password": PASSWORD}).status_code == 302
    for _ in range(2):
        response = client.post(f"/console/{office.code}/walk-in", data={"service": service.code})
        assert response.status_code in (200, 302, 303), response.get_data(as_text=True)[:300]
    # the public load comes from the database and says it is stale
    load = client.get(f"/api/offices/{office.code}/load").get_json()
    assert load["stale"] is True and load["waiting"] == 2
    # a one-time code needs Redis: a clear 503, not a 500
    refused = client.post("/api/otp", json={"mobile": "09121234567", "purpose": "booking"},
                          headers={"Accept-Language": "en"})
    assert refused.status_code == 503 and refused.headers["Retry-After"]
    assert "try again" in refused.get_json()["title"]
    assert db.session.scalar(select(SmsMessage.status).where(SmsMessage.purpose == "booking_confirmation")) == "queued"

    # the outage lasts: the message's own delivery job never got enqueued
    for message in db.session.scalars(select(SmsMessage)):
        message.created_at -= dt.timedelta(minutes=2)
    db.session.commit()
    own_redis.start()  # empty: --save ""
    result = jobs.minute_tick(schedule_next=False)
    assert result["offices"] >= 1
    load = client.get(f"/api/offices/{office.code}/load").get_json()
    assert load["stale"] is False and load["waiting"] == 2
    db.session.expire_all()
    assert db.session.scalar(select(SmsMessage.status).where(SmsMessage.purpose == "booking_confirmation")) == "sent"
    assert client.post("/api/otp", json={"mobile": "09121234567", "purpose": "booking"}).status_code == 202


class _Provider(http.server.ThreadingHTTPServer):
    """An SMS provider: the first request hangs (never answered); later ones are accepted and counted."""

    daemon_threads = True

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.hung = threading.Event()
        self.release = threading.Event()
        self.first = True
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _ProviderHandler)


class _ProviderHandler(http.server.BaseHTTPRequestHandler):
    server: _Provider

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            first, self.server.first = self.server.first, False
        if first:
            self.server.hung.set()
            self.server.release.wait(30)
            return
        self.server.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _worker(env: dict[str, str], log: Path, burst: bool = True, scheduler: bool = True) -> subprocess.Popen:
    """An ``rq worker`` process; what it prints goes to ``log`` (appended), for the failure messages."""
    args = ([os.path.join(os.path.dirname(sys.executable), "rq"), "worker", "-w", "booking.worker.AppWorker",
             "--url", env["REDIS_URL"], "default"]
            + (["--with-scheduler"] if scheduler else []) + (["--burst"] if burst else []))
    with open(log, "ab") as out:
        return subprocess.Popen(args, env=env, start_new_session=True, stdout=out, stderr=subprocess.STDOUT)


def _stop_worker(worker: subprocess.Popen) -> None:
    """Stop a worker and its children (warm shutdown, then SIGKILL after 30 s: on a loaded machine RQ's
    teardown can stay stuck closing its pub/sub connection after its listening thread's one-second join)."""
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(30)


def _log_tail(log: Path, lines: int = 40) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    return "worker output:\n" + "\n".join(text.splitlines()[-lines:])


@pytest.mark.timeout(900)  # rq workers start slowly on a loaded machine; each wait fails with their output
def test_worker_killed_mid_job_runs_again_and_sends_once(redis_app, own_redis: RedisServer, backend, tmp_path):
    from rq import Queue
    from rq.registry import StartedJobRegistry

    from booking.dates import clock_environment
    from booking.models import SmsMessage
    from booking.redis_conn import get_redis
    from booking.sms import queue_sms

    provider = _Provider()
    log = tmp_path / "workers.log"
    threading.Thread(target=provider.serve_forever, daemon=True).start()
    env = dict(os.environ, DATABASE_URL=backend["config"]["SQLALCHEMY_DATABASE_URI"], REDIS_URL=own_redis.url,
               SECRET_KEY="test-secret", SAFNAMA_INSTANCE=str(tmp_path), SMS_BACKEND="http",
               SMS_HTTP_URL=f"http://127.0.0.1:{provider.server_address[1]}/send", SMS_HTTP_TIMEOUT="60",
               SAFNAMA_DEMO="0", **clock_environment())
    try:
        message = queue_sms("09121234567", "صف‌نما: آزمون", "test", dedupe_key="kill-test")
        db.session.commit()  # enqueues booking.sms.deliver_sms (retried with backoff) on our Redis
        queue = Queue("default", connection=get_redis())
        assert queue.count == 1
        worker = _worker(env, log, burst=False, scheduler=False)  # (a killed scheduler would hold its lock a while)
        assert provider.hung.wait(180), "the job never reached the provider; " + _log_tail(log)
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse, mid-request
        worker.wait(10)
        provider.release.set()
        assert provider.received == []
        # the registry's own cleanup, as the next worker runs it once the dead worker's heartbeat expires
        StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 3600)
        second = _worker(env, log, burst=False)  # its scheduler enqueues the retry once its backoff is over
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and not provider.received:
                time.sleep(0.5)
            time.sleep(2)  # room for a (wrong) second delivery
        finally:
            _stop_worker(second)
        from rq.job import Job
        from rq.registry import FailedJobRegistry, ScheduledJobRegistry

        job = Job.fetch(f"sms-{message.id}", connection=get_redis())
        assert len(provider.received) == 1, (job.get_status(), job.retries_left, queue.count,
                                             ScheduledJobRegistry(queue=queue).get_job_ids(),
                                             FailedJobRegistry(queue=queue).get_job_ids(),
                                             StartedJobRegistry(queue=queue).get_job_ids(), job.latest_result(),
                                             _log_tail(log))
        # a further run of the same job (a duplicate delivery) sends nothing; a burst worker without a
        # scheduler works the queue empty and stops
        queue.enqueue("booking.sms.deliver_sms", message.id)
        burst = _worker(env, log, scheduler=False)
        try:
            burst.wait(300)
        except subprocess.TimeoutExpired:
            os.killpg(burst.pid, signal.SIGKILL)
            raise AssertionError("the burst worker did not finish; " + _log_tail(log)) from None
        assert burst.returncode == 0 and queue.count == 0, _log_tail(log)
        assert len(provider.received) == 1
        db.session.expire_all()
        assert db.session.get(SmsMessage, message.id).status == "sent"
    finally:
        provider.release.set()
        provider.shutdown()
        provider.server_close()


@pytest.fixture()
def own_postgres() -> Iterator[PostgresCluster]:
    if PG_BIN is None or os.geteuid() != 0:
        pytest.fail("the PostgreSQL restart test needs root and the PostgreSQL server binaries "
                    "(/usr/lib/postgresql/*/bin) for a throwaway cluster")
    cluster = PostgresCluster().init().start()
    yield cluster
    cluster.destroy()


def test_postgres_restart_503_then_success_nothing_lost(own_postgres: PostgresCluster, own_redis: RedisServer,
                                                        tmp_path):
    from flask_migrate import upgrade

    from booking.models import Appointment, SmsMessage, TimeSlot
    from booking.redis_conn import redis_handle

    application = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
                              "SQLALCHEMY_DATABASE_URI": own_postgres.url.replace("postgresql://",
                                                                                  "postgresql+psycopg://"),
                              "REDIS_URL": own_redis.url, "REDIS_EMBEDDED_PATH": None,
                              "RATELIMIT_STORAGE_URI": None, "DEMO_MODE": False})
    try:
        with application.app_context():
            upgrade()
            office, service, slot = _seed_office()
            client = application.test_client()

            def book(key: str, person: str):
                assert client.post("/api/otp", json={"mobile": "09121234567", "purpose": "booking"}).status_code == 202
                body = db.session.scalars(select(SmsMessage.body).where(SmsMessage.purpose == "otp")
                                          .order_by(SmsMessage.id.desc())).first()
                db.session.rollback()
                code = "".join(ch for ch in body.split("\n")[1] if ch.isdigit())
                payload = {"office": office, "service": service, "slot_id": slot, "national_id": person,
                           "mobile": "09121234567", "otp": code}
                return payload, client.post("/api/appointments", json=payload, headers={"Idempotency-Key": key})

            _, first = book("first", national_id())
            assert first.status_code == 201
            second_person = national_id()
            assert client.post("/api/otp", json={"mobile": "09121234567", "purpose": "booking"}).status_code == 202
            body = db.session.scalars(select(SmsMessage.body).where(SmsMessage.purpose == "otp")
                                      .order_by(SmsMessage.id.desc())).first()
            db.session.rollback()
            code = "".join(ch for ch in body.split("\n")[1] if ch.isdigit())
            second_payload = {"office": office, "service": service, "slot_id": slot, "national_id": second_person,
                              "mobile": "09121234567", "otp": code}

            own_postgres.stop()
            down = [client.get(f"/api/offices/{office}", headers={"Accept-Language": "en"}),
                    client.post("/api/appointments", json=second_payload, headers={"Idempotency-Key": "second"}),
                    client.get(f"/offices/{office}")]
            assert [r.status_code for r in down] == [503, 503, 503]
            assert down[0].mimetype == "application/problem+json"
            assert "try again" in down[0].get_json()["title"]
            assert "text/html" in down[2].content_type

            own_postgres.start()
            retried = client.post("/api/appointments", json=second_payload, headers={"Idempotency-Key": "second"})
            assert retried.status_code == 201, retried.get_json()
            again = client.post("/api/appointments", json=second_payload, headers={"Idempotency-Key": "second"})
            assert again.status_code == 201 and again.get_json() == retried.get_json()
            assert client.get(f"/api/offices/{office}").status_code == 200
            db.session.rollback()
            codes = set(db.session.scalars(select(Appointment.tracking_code)))
            assert codes == {first.get_json()["tracking_code"], retried.get_json()["tracking_code"]}
            assert db.session.scalar(select(TimeSlot.booked).where(TimeSlot.id == slot)) == 2
            assert db.session.scalar(select(func.count()).select_from(SmsMessage)
                                     .where(SmsMessage.purpose == "booking_confirmation")) == 2
            db.session.remove()
            db.engine.dispose()
    finally:
        redis_handle(application).close()
        from booking import limits

        limits.limiter.init_app(application)


def _seed_office() -> tuple[str, str, int]:
    """One office with a service and a bookable slot; returns (office code, service code, slot id)."""
    import datetime as dt

    from offices.models import District, Office, OpeningHours, Province, ServiceType

    province = Province(code="P1", name_fa="تهران", name_en="Tehran", capital_fa="تهران", capital_en="Tehran",
                        lat=35.7, lon=51.4, population=1)
    district = District(province=province, code="D1", name_fa="حوزه", name_en="District", city_fa="تهران",
                        city_en="Tehran", lat=35.7, lon=51.4)
    service = ServiceType(code="SVC1", letter="A", name_fa="خدمت", name_en="Service", typical_minutes=10.0)
    office = Office(district=district, code="000001", name_fa="دفتر", name_en="Office", address_fa="خیابان",
                    address_en="Street", lat=35.75, lon=51.41, counters=3, slot_minutes=15, walkin_reserve=0.3)
    office.services = [service]
    for weekday in range(7):
        office.hours.append(OpeningHours(weekday=weekday, opens=dt.time(7, 30), closes=dt.time(14, 30)))
    db.session.add(office)
    db.session.flush()
    slot = a_future_slot(office)
    db.session.commit()
    return office.code, service.code, slot.id
