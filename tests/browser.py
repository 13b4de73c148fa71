"""Helpers for browser tests: the app served on a free local port, and Debian's Chromium under Playwright."""
from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from werkzeug.serving import make_server

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


#: Where the README's screenshots live.
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def keep_screenshot(page, name: str, *, full_page: bool = True) -> None:
    """Save the page as ``docs/screenshots/<name>.png`` when ``SAFNAMA_SCREENSHOTS`` is set (refreshing the
    pictures the README shows); an ordinary test run leaves the tree as it is."""
    if os.environ.get("SAFNAMA_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


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


def markers_on_the_map(page, box: str) -> int:
    """How many of the street map's markers inside ``box`` (a CSS selector) are drawn within its bounds."""
    frame = page.locator(f"{box} .leaflet-container").bounding_box()
    inside = 0
    for marker in page.locator(f"{box} path.leaflet-interactive").all():
        b = marker.bounding_box()
        if b and b["width"] > 2 and frame["x"] <= b["x"] and b["x"] + b["width"] <= frame["x"] + frame["width"] \
                and frame["y"] <= b["y"] and b["y"] + b["height"] <= frame["y"] + frame["height"]:
            inside += 1
    return inside
