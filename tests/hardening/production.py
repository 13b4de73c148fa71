"""The site served as in production: ``gunicorn wsgi:app`` and a separate ``rq worker``, on PostgreSQL and a
Redis server, for browser tests (``@pytest.mark.production``) and the load benchmark.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.hardening.servers import free_port

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]


def production_env(database_url: str, redis_url: str, instance: str, demo: bool = True) -> dict[str, str]:
    """The environment of the gunicorn and RQ worker processes."""
    from booking.dates import clock_environment

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
    env.update(clock_environment())  # the clock the test set, if any
    env.update(DATABASE_URL=database_url.replace("postgresql+psycopg://", "postgresql://"), REDIS_URL=redis_url,
               SECRET_KEY=secrets.token_hex(32), SAFNAMA_INSTANCE=instance, SAFNAMA_DEMO="1" if demo else "0",
               SAFNAMA_DEMO_ACTIVITY="0")  # no simulated operators acting on the tests' offices
    return env


def _wait_ready(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextlib.contextmanager
def production_served(database_url: str, redis_url: str, workers: int = 2,
                      demo: bool = True, log: Path | None = None) -> Iterator[str]:
    """Start gunicorn (``wsgi:app``, with the project's ``gunicorn.conf.py``) and one ``rq worker --with-scheduler``;
    yield the base URL; stop both."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="safnama-prod-") as instance:
        env = production_env(database_url, redis_url, instance, demo)
        out = open(log, "ab") if log else subprocess.DEVNULL
        web = subprocess.Popen([str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                                "--graceful-timeout", "5", "--log-level", "warning",
                                "wsgi:app"], cwd=ROOT, env=env, start_new_session=True, stdout=out, stderr=out)
        worker = subprocess.Popen([str(BIN / "rq"), "worker", "-w", "booking.worker.AppWorker", "--url",
                                   env["REDIS_URL"], "--with-scheduler", "default"],
                                  cwd=ROOT, env=env, start_new_session=True, stdout=out, stderr=out)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base + "/healthz", web)
            yield base
        finally:
            _stop(web)
            _stop(worker)
            if log:
                out.close()
