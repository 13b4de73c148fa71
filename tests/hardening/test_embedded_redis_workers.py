"""Several web processes cannot share one embedded Redis: ``gunicorn -w 2`` without ``REDIS_URL`` refuses to
start, in one line naming REDIS_URL; with one worker it serves, and says ``Server: Safnama``."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from booking import PROJECT_ROOT
from tests.hardening.servers import free_port

GUNICORN = Path(sys.executable).with_name("gunicorn")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "WEB_CONCURRENCY")}
    env.update(SAFNAMA_INSTANCE=str(tmp_path / "instance"), SAFNAMA_DEMO="0")
    return env


def test_two_workers_on_the_embedded_redis_are_refused(tmp_path: Path):
    port = free_port()
    done = subprocess.run([str(GUNICORN), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"], cwd=PROJECT_ROOT,
                          env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if "REDIS_URL" in line]
    assert len(lines) == 1 and "error" in lines[0].lower(), done.stderr[-2000:]
    assert not (tmp_path / "instance" / "redis.db.settings").exists()  # no embedded server was started


def test_one_worker_on_the_embedded_redis_serves(tmp_path: Path):
    port = free_port()
    process = subprocess.Popen([str(GUNICORN), "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                               cwd=PROJECT_ROOT, env=_env(tmp_path), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline, banner = time.monotonic() + 60, None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                    banner = response.headers["Server"]
                    break
            except OSError:
                time.sleep(0.3)
        assert banner == "Safnama", process.stderr.read() if process.poll() is not None else banner
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
