"""The blueprint of :mod:`offices.console`; the views register their routes on it."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("console", __name__)


def _keep_jobs_scheduled() -> None:
    from flask import current_app

    if current_app.config.get("SAFNAMA_SCHEDULE_JOBS", not current_app.config.get("TESTING")):
        from offices.jobs import keep_schedule_alive

        keep_schedule_alive()


@bp.record_once
def _on_register(state) -> None:
    # Any request keeps RQ's periodic chain alive (a cheap check at most every 30 s per process).
    state.app.before_request(_keep_jobs_scheduled)
