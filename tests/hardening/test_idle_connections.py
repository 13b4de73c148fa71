"""Browsers open connections they send nothing on yet (Chromium preconnects the one it expects to need next).
The site keeps answering while they are open, as served in production (gunicorn) and by the embedded server."""
from __future__ import annotations

import contextlib
import socket
import urllib.request
from urllib.parse import urlsplit

import pytest

from booking.extensions import db

IDLE_CONNECTIONS = 6  # more than the production server's worker processes, as several open tabs would hold


@pytest.mark.production
def test_pages_answer_while_browsers_hold_idle_connections(live_server, make_office) -> None:
    office = make_office()
    db.session.commit()
    address = urlsplit(live_server)
    with contextlib.ExitStack() as idle:
        for _ in range(IDLE_CONNECTIONS):
            idle.enter_context(socket.create_connection((address.hostname, address.port)))
        # gunicorn's sync workers each wait on one silent connection until its 30 s timeout: this would time out
        for path in ("/", f"/offices/{office.code}", "/find"):
            with urllib.request.urlopen(live_server + path, timeout=15) as response:
                assert response.status == 200
