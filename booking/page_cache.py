"""Anonymous public pages kept rendered in the web process for a few seconds.

A citizen's public page (home, a province, find, an office, its booking page: :data:`booking.http_cache.
PUBLIC_PAGES`) asked again within :data:`SECONDS` seconds with the same address and language is answered
from the copy this process rendered, not rendered again. What is kept and how it stays correct:

* only ``GET`` answers ``200`` to a visitor who is not logged in, has not confirmed their mobile (those
  pages are private, :func:`booking.http_cache.is_private`) and has no message waiting to be shown (a
  flash): nothing else on these pages depends on the visitor but the language, which is part of the key;
* the form token of the copy (the "I'm going" and booking forms) is left out when kept and the visitor's
  own token is put in when served, so every visitor posts with their own;
* a copy is served for :data:`SECONDS` seconds (config ``PAGE_CACHE_SECONDS``; 0 turns it off, as in tests
  unless they ask for it), less than the ``max-age`` the browser itself may keep the page
  (:data:`booking.http_cache.LIVE_MAX_AGE`), so the live loads shown are never older than the site allows;
* any ``POST`` this process answers (a booking, a cancellation, "I'm going") drops every copy it keeps, so
  a citizen who acted sees the page afresh; another process's copy ends with its seconds.

The answer then goes through the same headers as a rendered page (security, ``ETag``, ``max-age``).

A part of a page that is the same for every visitor who sees it (the find page's best times at the office
recommended, whoever it is recommended to; an office page below its live load; the home page's content) is
kept the same way by :func:`fragment`, keyed by what it shows and the language, so that a page rendered for
one visitor's own address (their position) still reuses it. A form posted to the process drops these too.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import Flask, Response, current_app, g, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from booking.http_cache import PUBLIC_PAGES, is_private
from booking.i18n import current_locale

#: Seconds a rendered page is served again (config ``PAGE_CACHE_SECONDS``).
SECONDS = 5.0
#: Pages kept at most per process (the oldest are dropped first).
MAX_PAGES = 256
#: Larger pages are not kept.
MAX_BYTES = 512 * 1024
_TOKEN_SLOT = b"\x00safnama-form-token\x00"
_KEY = "safnama.page_cache"
_FRAGMENTS_KEY = "safnama.page_fragments"


class PageCache:
    """Rendered pages by (host, path and query, language): (time kept, body with the token slot, type)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._pages: dict[tuple[str, str, str], tuple[float, bytes, str]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> tuple[bytes, str] | None:
        kept = self._pages.get(key)
        if kept is None or time.monotonic() - kept[0] >= self.seconds:
            return None
        return kept[1], kept[2]

    def put(self, key: tuple[str, str, str], body: bytes, mimetype: str) -> None:
        with self._lock:
            self._pages[key] = (time.monotonic(), body, mimetype)
            if len(self._pages) > MAX_PAGES:
                now = time.monotonic()
                for old in [k for k, v in self._pages.items() if now - v[0] >= self.seconds]:
                    del self._pages[old]
                while len(self._pages) > MAX_PAGES:
                    del self._pages[next(iter(self._pages))]

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def fragment(key: tuple, make: Callable[[], str]) -> Markup:
    """A part of a page that is the same for every visitor (``make()``, HTML without a form token), kept by
    ``key`` and the language for the same seconds as the pages; made each time when the cache is off."""
    cache: PageCache | None = current_app.extensions.get(_FRAGMENTS_KEY)
    if cache is None:
        return Markup(make())
    full = (key, current_locale())
    kept = cache.get(full)
    if kept is not None:
        return Markup(kept[0].decode())
    html = make()
    cache.put(full, html.encode(), "text/html")
    return Markup(html)


def _cacheable() -> bool:
    return (request.method == "GET" and request.endpoint in PUBLIC_PAGES and "_flashes" not in session
            and not is_private())


def _key() -> tuple[str, str, str]:
    return request.host, request.full_path, current_locale()


def serve_kept() -> Response | None:
    """``before_request``: the kept copy of this page, with the visitor's own form token, when there is one."""
    cache: PageCache = _cache()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        cache.clear()
        current_app.extensions[_FRAGMENTS_KEY].clear()
        return None
    if not _cacheable():
        return None
    kept = cache.get(_key())
    if kept is None:
        g.page_cache_store = True
        return None
    body, mimetype = kept
    if _TOKEN_SLOT in body:
        body = body.replace(_TOKEN_SLOT, generate_csrf().encode())
    return Response(body, 200, mimetype=mimetype)


def keep_rendered(response: Response) -> Response:
    """``after_request``: keep a page rendered for an anonymous visitor, its form token left out."""
    if not g.pop("page_cache_store", False) or response.status_code != 200 or response.direct_passthrough \
            or "_flashes" in session:
        return response
    body = response.get_data()
    if len(body) > MAX_BYTES:
        return response
    token = g.get("csrf_token")
    if token:
        body = body.replace(token.encode(), _TOKEN_SLOT)
    _cache().put(_key(), body, response.mimetype or "text/html")
    return response


def _cache() -> PageCache:
    return current_app.extensions[_KEY]


def init_app(app: Flask) -> None:
    """Registered after every other step, so that the other ``before_request`` hooks run first and a page is
    kept before the HTTP caching headers make the answer conditional."""
    seconds = float(app.config.get("PAGE_CACHE_SECONDS", 0.0 if app.testing else SECONDS))
    if seconds <= 0:
        return
    app.extensions[_KEY] = PageCache(seconds)
    app.extensions[_FRAGMENTS_KEY] = PageCache(seconds)
    app.before_request(serve_kept)
    app.after_request(keep_rendered)
