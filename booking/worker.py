"""The RQ worker of Safnama: ``rq worker --with-scheduler -w booking.worker.AppWorker``.

It builds the application once, before it forks a work horse per job, so that each job starts without
re-creating it (:mod:`booking.job_context`). Nothing in the application imports this module: it sits on top,
beside ``wsgi.py``.
"""
from __future__ import annotations

from flask import has_app_context
from rq import Worker

from booking import create_app
from booking.job_context import use_app


class AppWorker(Worker):
    """An RQ worker whose jobs run in the application it made when it started."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not has_app_context():
            use_app(create_app())
