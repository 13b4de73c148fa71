"""The site's public address in what leaves it: SMS links, calendar files.

``PUBLIC_BASE_URL`` (environment) is the address citizens reach, e.g. ``https://safnama.example.ir``. Unset,
``safnama serve`` uses the address it serves on; in a request the request's own address; elsewhere (a job
run by a worker started without it) ``http://127.0.0.1:5000``, the default of ``safnama serve``.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request, url_for

FALLBACK_BASE_URL = "http://127.0.0.1:5000"


def base_url() -> str:
    """The configured public address without a trailing slash (see the module docstring)."""
    configured = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if configured:
        return configured
    if has_request_context():
        return request.host_url.rstrip("/")
    return FALLBACK_BASE_URL


def public_url(endpoint: str, **values: Any) -> str:
    """The full public address of ``endpoint`` (``url_for`` arguments), usable outside a request."""
    base = base_url()
    with current_app.test_request_context():
        return base + url_for(endpoint, **values)
