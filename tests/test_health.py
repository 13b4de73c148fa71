"""``/healthz`` against real services: a real RQ worker process, a real unreachable database."""
from __future__ import annotations

import subprocess
import sys
import time

from booking.redis_conn import get_redis, redis_handle


def test_healthz_is_503_without_a_worker(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"]["ok"] and body["redis"]["ok"] and not body["workers"]["ok"]


def test_healthz_is_200_with_a_real_worker(app, client) -> None:
    from rq import Worker

    url = redis_handle(app).worker_url()
    worker = subprocess.Popen([sys.executable, "-m", "rq.cli", "worker", "--url", url, "default"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not Worker.all(connection=get_redis()) and time.monotonic() < deadline:
            time.sleep(0.2)
        response = client.get("/healthz")
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["workers"]["count"] == 1
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine: what is checked here is /healthz, not the shutdown
            worker.kill()
            worker.wait(timeout=30)


def test_healthz_is_503_when_the_database_is_down(backend) -> None:
    from booking import create_app

    config = dict(backend["config"], SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none",
                  SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}})
    app = create_app(config)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"]["ok"] is False
    redis_handle(app).close()
