"""Who the citizen in this browser has proved to be (national ID and mobile, after a one-time code), kept in
Redis for :data:`OWNER_MINUTES` under a random key; the session cookie holds only that key, so the national
ID and mobile never travel in a cookie (which is signed, not encrypted)."""
from __future__ import annotations

import json
import logging
import secrets

from flask import session

from booking.redis_conn import get_redis
from offices.live import REDIS_ERRORS

OWNER_MINUTES = 15
SESSION_KEY = "citizen_owner"
log = logging.getLogger(__name__)


def _redis_key(token: str) -> str:
    return f"citizen-owner:{token}"


def remember(national_id: str, mobile: str) -> str:
    """Note in this browser's session that its citizen has proved this national ID and mobile; returns the key."""
    forget()
    token = secrets.token_urlsafe(24)
    get_redis().set(_redis_key(token), json.dumps({"national_id": national_id, "mobile": mobile}),
                    ex=OWNER_MINUTES * 60)
    session[SESSION_KEY] = token
    return token


def verified() -> tuple[str, str] | None:
    """``(national_id, mobile)`` this browser's citizen has proved in the last :data:`OWNER_MINUTES`, or None."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        session.pop(SESSION_KEY, None)  # absent, or kept the old way in the cookie itself
        return None
    try:
        kept = get_redis().get(_redis_key(token))
    except REDIS_ERRORS as error:
        log.warning("citizen verification unreadable, Redis unavailable: %s", error)
        return None
    if kept is None:
        session.pop(SESSION_KEY, None)
        return None
    value = json.loads(kept)
    return value["national_id"], value["mobile"]


def forget() -> None:
    """End this browser's proof (sign out of "my appointments")."""
    token = session.pop(SESSION_KEY, None)
    if isinstance(token, str):
        try:
            get_redis().delete(_redis_key(token))
        except REDIS_ERRORS as error:
            log.warning("citizen verification not deleted, Redis unavailable: %s", error)
