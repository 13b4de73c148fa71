"""HTTP caching: what browsers (and proxies) may keep, and for how long.

* **Static files** are linked under content-hashed names (``css/site.3f9a0c1d2e4b.css``): ``url_for('static',
  …)`` adds the first 12 hex digits of the file's SHA-256 before its extension, and such a name is served
  with ``Cache-Control: public, max-age=31536000, immutable`` (a year). A changed file gets a new name, so a
  browser never keeps an old one. The plain name still answers (fonts linked from the style sheets), with
  Flask's default revalidation; a name whose digest is not the file's is served as the plain name.
* **Anonymous public pages** (home, a province, find, an office, its booking page) and the **public load
  API** carry an ``ETag`` and a short ``max-age``: :data:`LIVE_MAX_AGE` seconds, the time the web process
  itself may keep a live load (:data:`booking.public_load.MAX_AGE`), so that a browser shows nothing older
  than the site would. A request with a matching ``If-None-Match`` gets ``304 Not Modified``. The pages are
  ``private`` (they carry the visitor's form token and language) and vary on the cookie; the load document
  is ``public``. The page's ETag is computed with the form tokens left out (they are re-signed every second)
  but their session and half-hour included, so a page kept by the browser keeps a valid token.
* **Private pages**: every staff page, a citizen's ticket, calendar file, survey and "my appointments", the
  API's appointment, and anything answered to a logged-in member of staff: ``Cache-Control: no-store``.
"""
from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

from flask import Flask, Response, current_app, request, send_from_directory, session
from flask_login import current_user

from booking.public_load import MAX_AGE

#: Seconds a browser may reuse a public page or load document without asking again.
LIVE_MAX_AGE = int(MAX_AGE)
#: A year, for the content-hashed static files.
STATIC_MAX_AGE = 365 * 24 * 3600
DIGEST_LENGTH = 12

#: Endpoints whose anonymous GET answers may be cached (``private`` pages; ``public`` documents).
PUBLIC_PAGES = frozenset({"public.home", "public.province", "citizen.find_office", "citizen.office_page",
                          "citizen.book"})
PUBLIC_DOCUMENTS = frozenset({"api.office_load"})
#: Blueprints whose every page is for staff; endpoints that show one citizen's own data.
STAFF_BLUEPRINTS = frozenset({"auth", "console", "dashboard", "planning", "dev"})
PRIVATE_ENDPOINTS = frozenset({"citizen.ticket", "citizen.ticket_ics", "citizen.reschedule", "citizen.cancel",
                               "api.cancel_appointment", "citizen.my_appointments", "survey.form",
                               "api.get_appointment", "api.get_ticket",
                               "complaints.status", "complaints.lookup"})

_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{DIGEST_LENGTH}}})(?P<ext>\.[A-Za-z0-9]+)$")
_CSRF_VALUE = re.compile(rb'(name="csrf_token"[^>]*value=")[^"]*(")')


def init_app(app: Flask) -> None:
    app.extensions["safnama.static_digests"] = {}
    app.url_defaults(_hashed_static_name)
    app.view_functions["static"] = _serve_static
    app.after_request(_cache_headers)


def static_digest(filename: str) -> str | None:
    """The first :data:`DIGEST_LENGTH` hex digits of a static file's SHA-256, or None when it does not exist.

    Kept per process; in debug mode recomputed when the file changes."""
    app = current_app._get_current_object()
    digests: dict[str, tuple[float, str | None]] = app.extensions["safnama.static_digests"]
    kept = digests.get(filename)
    if kept is not None and not app.debug:
        return kept[1]
    path = Path(app.static_folder or "") / filename
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return None
    if kept is not None and kept[0] == stamp:
        return kept[1]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_LENGTH]
    digests[filename] = (stamp, digest)
    return digest


def _hashed_static_name(endpoint: str, values: dict) -> None:
    if endpoint != "static" or "filename" not in values:
        return
    filename = values["filename"]
    digest = static_digest(filename)
    if digest is not None:
        stem, dot, ext = filename.rpartition(".")
        if dot and stem and "/" not in ext:
            values["filename"] = f"{stem}.{digest}.{ext}"


def _serve_static(filename: str) -> Response:
    app = current_app._get_current_object()
    match = _HASHED.match(filename)
    if match is not None:
        plain = match["stem"] + match["ext"]
        if static_digest(plain) == match["digest"]:
            response = send_from_directory(app.static_folder, plain, max_age=STATIC_MAX_AGE)
            response.cache_control.public = True
            response.cache_control.immutable = True
            return response
        if static_digest(plain) is not None:
            return send_from_directory(app.static_folder, plain)
    return send_from_directory(app.static_folder, filename)


def is_private() -> bool:
    """Whether the answer to this request is for one person only (never to be stored): a staff page, a
    citizen's own page, or any page answered to a logged-in member of staff or a citizen who confirmed
    their mobile. The API keeps no session: only its endpoints are looked at."""
    endpoint = request.endpoint or ""
    if endpoint in PRIVATE_ENDPOINTS or endpoint.partition(".")[0] in STAFF_BLUEPRINTS:
        return True
    if endpoint.startswith("api."):
        return False
    return bool(getattr(current_user, "is_authenticated", False)) or "citizen_owner" in session


def _cache_headers(response: Response) -> Response:
    if request.endpoint == "static":
        return response
    if is_private():
        response.cache_control.no_store = True
        return response
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.direct_passthrough:
        return response
    if request.endpoint in PUBLIC_DOCUMENTS:
        response.cache_control.public = True
    elif request.endpoint in PUBLIC_PAGES:
        response.cache_control.private = True
        response.vary.add("Cookie")
    else:
        return response
    response.cache_control.max_age = LIVE_MAX_AGE
    response.set_etag(_etag(response.get_data(), with_session=request.endpoint in PUBLIC_PAGES))
    return response.make_conditional(request)


def _etag(body: bytes, with_session: bool) -> str:
    """A digest of the body with its form tokens left out, and of a page's session token and its half-hour."""
    digest = hashlib.sha256(_CSRF_VALUE.sub(rb"\1\2", body))
    token = session.get("csrf_token") if with_session else None
    if token:
        limit = current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600) or 0
        digest.update(f"|{token}|{int(time.time() // (limit / 2)) if limit else 0}".encode())
    return digest.hexdigest()[:32]
