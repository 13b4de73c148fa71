"""Safnama (صف‌نما): queue-aware appointment booking for Iran's e-judicial services offices.

``create_app`` builds the Flask application as a list of small named steps.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from flask import Flask

from booking.config import ConfigError, load_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent

__all__ = ["create_app", "ConfigError", "PROJECT_ROOT"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application.

    Args:
        config: settings that override those read from the environment (tests pass their database here).

    Raises:
        ConfigError: a setting from the environment is unusable; the message names it.
    """
    app = Flask(
        __name__,
        instance_path=os.environ.get("SAFNAMA_INSTANCE") or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(load_config(Path(app.instance_path)))
    if config:
        app.config.update(config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_jobs(app)
    register_commands(app)
    register_page_cache(app)
    return app


def register_extensions(app: Flask) -> None:
    from booking import http_cache, i18n, limits, redis_conn, security, sqlite_pragmas
    from booking.extensions import csrf, db, login_manager, migrate, render_migration_item

    import booking.models  # noqa: F401  (registers the tables with the metadata)
    import booking.audit  # noqa: F401
    import offices.models  # noqa: F401

    db.init_app(app)
    sqlite_pragmas.install()
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
                     compare_type=True, render_item=render_migration_item)
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    redis_conn.init_app(app)
    limits.init_app(app)
    security.init_app(app)
    http_cache.init_app(app)

    @login_manager.user_loader
    def load_user(login_id: str):
        from offices.auth import user_for_login

        return user_for_login(login_id)


# Each feature's blueprint, as "module:attribute"; the order is the order of registration.
BLUEPRINTS = (
    "booking.public:bp",              # home page, provinces, language switch
    "booking.health:bp",              # /healthz
    "booking.citizen:bp",             # find an office, recommendation, booking, ticket, my appointments
    "booking.api:bp",                 # JSON API and its OpenAPI document
    "booking.survey:bp",              # satisfaction survey after a visit
    "offices.auth:bp",                # staff login and logout
    "offices.console:bp",             # operator console and lobby display
    "offices.dashboard:bp",           # supervisors' dashboard
    "offices.dashboard:public_bp",    # public complaint form and status
    "offices.record_pages:bp",        # each office's public record, league tables
    "offices.planning:bp",            # where new offices and counters are needed
)
DEMO_BLUEPRINTS = ("booking.dev:bp",)  # the SMS outbox page, only in demo mode


def register_blueprints(app: Flask) -> None:
    import importlib

    names = BLUEPRINTS + (DEMO_BLUEPRINTS if app.config.get("DEMO_MODE") else ())
    for name in names:
        module_name, attribute = name.split(":")
        app.register_blueprint(getattr(importlib.import_module(module_name), attribute))


def register_errorhandlers(app: Flask) -> None:
    from booking import errors

    errors.init_app(app)


def register_template_helpers(app: Flask) -> None:
    from booking import i18n, navigation

    i18n.register_template_helpers(app)
    navigation.init_app(app)


def register_jobs(app: Flask) -> None:
    from offices import jobs

    jobs.init_app(app)


def register_page_cache(app: Flask) -> None:
    from booking import page_cache

    page_cache.init_app(app)


def register_commands(app: Flask) -> None:
    from booking import cli

    cli.init_app(app)
    try:
        from offices.demo import init_app as init_demo
    except ImportError:  # the demo package is optional in a trimmed deployment
        return
    init_demo(app)
