"""Error responses: a page in the visitor's language, or RFC 9457 problem details under ``/api/``."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from booking.extensions import db


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def problem(status: int, title: str, detail: str = "", **extra) -> tuple:
    """An RFC 9457 problem-details response."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def error_response(status: int, title: str, detail: str = ""):
    if wants_json():
        return problem(status, title, detail)
    return render_template("error.html", status=status, title=title, detail=detail), status


def _title_for(status: int) -> str:
    titles = {
        400: _("The request is not valid."),
        401: _("Please log in first."),
        403: _("You do not have access to this page."),
        404: _("This page was not found."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with what is already stored."),
        413: _("The request is too large."),
        422: _("Some of what you entered is not valid."),
        429: _("Too many requests; please wait and try again."),
        503: _("The service is briefly unavailable; please try again in a minute."),
    }
    return titles.get(status, _("Something went wrong."))


def _size(limit: int | None) -> str:
    """A request size limit in words: ``1 MB``."""
    if not limit:
        return "?"
    return f"{limit / 1024 / 1024:g} MB" if limit >= 1024 * 1024 else f"{limit / 1024:g} KB"


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        detail = error.description if getattr(error, "safnama_detail", False) else ""
        if status == 413:
            detail = _("A request may be at most %(size)s.", size=_size(app.config.get("MAX_CONTENT_LENGTH")))
        response = app.make_response(error_response(status, _title_for(status), detail))
        for name, value in error.get_headers():
            if name == "Allow":  # a 405 names the methods that are allowed
                response.headers[name] = value
        return response

    @app.errorhandler(OperationalError)
    def handle_database_down(error: OperationalError):
        db.session.rollback()
        app.logger.warning("database unavailable: %s", error.orig)
        return error_response(503, _title_for(503))

    @app.errorhandler(DBAPIError)
    def handle_database_error(error: DBAPIError):
        db.session.rollback()
        if error.connection_invalidated:
            return error_response(503, _title_for(503))
        app.logger.exception("database error")
        return error_response(500, _title_for(500))

    @app.errorhandler(RedisConnectionError)
    @app.errorhandler(RedisTimeoutError)
    def handle_redis_down(error: Exception):
        app.logger.warning("Redis unavailable: %s", error)
        response = app.make_response(error_response(503, _title_for(503)))
        response.headers["Retry-After"] = "60"
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("unhandled error")
        return error_response(500, _title_for(500))
