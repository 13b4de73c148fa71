"""Helpers for browser tests: the app served on a free local port, and Debian's Chromium under Playwright."""
from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from typing import Iterator

from werkzeug.serving import make_server

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def chromium_path() -> str:
    """Debian's Chromium (there is no browser download here); ``scripts/test`` installs it when missing."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("Chromium is not installed: apt-get install chromium (scripts/test does this as root)")
    return path


@contextmanager
def served(app) -> Iterator[str]:
    """Serve ``app`` with a threaded Werkzeug server on 127.0.0.1 and a free port; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
