"""Benchmark the quick start's run command (issue 2: home page within 90 s of a fresh clone).

Clones the project's committed tree into a temporary folder, runs ``scripts/run --port PORT`` there (a new
virtual environment, the install, the migration, the demo seed into an empty SQLite database, the embedded
Redis and its worker) and polls ``/`` until it answers 200 in Persian, right to left.
Prints the seconds from start to the first 200, then to ``/healthz`` answering 200 (database, Redis and a
worker up), with the health document. Stops the server it started.

    .venv/bin/python -m bench.run_command [--timeout 300]
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str) -> tuple[int, str]:
    """``(status, body)`` of a GET; status 0 when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the home page")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="safnama-run-") as folder:
        clone = Path(folder) / "safnama"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV", "SAFNAMA_INSTANCE")}
        port = free_port()
        start = time.monotonic()
        server = subprocess.Popen(["scripts/run", "--port", str(port)], cwd=clone, env=env, start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            status, page = 0, ""
            while time.monotonic() - start < args.timeout and server.poll() is None:
                status, page = http_get(f"http://127.0.0.1:{port}/")
                if status == 200:
                    break
                time.sleep(0.5)
            elapsed = time.monotonic() - start
            if status != 200:
                print(f"no 200 from the home page after {elapsed:.0f} s (server exit code {server.poll()})")
                return 1
            persian = 'lang="fa"' in page and 'dir="rtl"' in page
            print(f"home page 200 (Persian, right to left: {persian}) {elapsed:.1f} s after scripts/run started "
                  f"(target 90 s)")
            health_status, health = http_get(f"http://127.0.0.1:{port}/healthz")
            while health_status != 200 and time.monotonic() - start < args.timeout:
                time.sleep(0.5)  # the worker registers itself a moment after the site answers
                health_status, health = http_get(f"http://127.0.0.1:{port}/healthz")
            print(f"/healthz {health_status} {time.monotonic() - start:.1f} s after the start: "
                  f"{json.dumps(json.loads(health or '{}'))}")
            return 0 if persian and health_status == 200 else 1
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


if __name__ == "__main__":
    raise SystemExit(main())
