"""Redirects after a language switch or a login: ``next=`` may only name a path of this site."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

_CONTROL = re.compile(r"[\x00-\x20\x7f-\xa0\u1680\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]")


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path of this site (no scheme, no host), else None.

    Control characters, spaces and backslashes are refused outright rather than cleaned: browsers drop tabs
    and newlines from a URL and read ``\\`` as ``/``, so ``/%09/evil.example`` and ``/\\evil.example`` would
    leave the site, and CR/LF would break the ``Location`` header.
    """
    if not target or "\\" in target or _CONTROL.search(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
