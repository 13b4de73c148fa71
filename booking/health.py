"""``/healthz``: the state of the database, Redis and the RQ workers, as JSON; HTTP 503 when one is down.
It also says how old the offices' engine parameters are (``estimates``), which does not change the status."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from booking.extensions import db
from booking.redis_conn import get_redis

bp = Blueprint("health", __name__)


def check_database() -> dict:
    try:
        db.session.execute(text("SELECT 1"))
        return {"ok": True, "backend": db.engine.dialect.name}
    except Exception as exc:  # noqa: BLE001 — any failure means "down", reported by name
        db.session.rollback()
        return {"ok": False, "backend": db.engine.dialect.name, "error": type(exc).__name__}


def check_redis() -> dict:
    try:
        get_redis().ping()
        return {"ok": True}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": type(exc).__name__}


def check_workers() -> dict:
    from rq import Worker

    try:
        workers = Worker.all(connection=get_redis())
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "count": 0, "error": type(exc).__name__}
    return {"ok": len(workers) > 0, "count": len(workers)}


def service_states() -> dict:
    return {"database": check_database(), "redis": check_redis(), "workers": check_workers()}


@bp.get("/healthz")
def healthz():
    states = service_states()
    healthy = all(part["ok"] for part in states.values())
    body = {"status": "ok" if healthy else "degraded", **states}
    if states["database"]["ok"]:
        # How old the engine's parameters are (information: a new deployment has none until its first fit).
        from offices.estimates import estimate_ages

        body["estimates"] = estimate_ages().as_json()
    return jsonify(body), (200 if healthy else 503)
