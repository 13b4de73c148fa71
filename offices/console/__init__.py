"""The operator console (``console`` blueprint): today's board, queue actions, counters, the lobby display."""
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


from offices.console import routes  # noqa: E402,F401  (registers the views on the blueprint)
