"""The application context background jobs run in.

An RQ job runs in the worker's work horse, outside any request. :class:`booking.worker.AppWorker` builds the
application once per worker process and hands it here (:func:`use_app`); every job then runs inside
:func:`job_context`. Jobs run in a test or a command already have an application context and keep it.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from flask import Flask, current_app, has_app_context

from booking.extensions import db

_app: Flask | None = None


def use_app(app: Flask) -> None:
    """The application this process's jobs run in (set once by the worker)."""
    global _app
    _app = app


@contextlib.contextmanager
def job_context() -> Iterator[Flask]:
    """The current application context, or one of the worker's application, closed after the job.

    Raises:
        RuntimeError: outside an application context, in a worker that made no application (``rq worker``
            without ``-w booking.worker.AppWorker``).
    """
    if has_app_context():
        yield current_app._get_current_object()
        return
    if _app is None:
        raise RuntimeError("a job ran outside the application: start workers with "
                           "'rq worker -w booking.worker.AppWorker'")
    with _app.app_context():
        try:
            yield _app
        finally:
            db.session.remove()
