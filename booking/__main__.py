"""The ``safnama`` command (``python -m booking`` too): Flask's command line on :func:`booking.create_app`.

The commands themselves are in :mod:`booking.cli`; this module sits on top of the application and nothing
imports it.
"""
from __future__ import annotations

import sys
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup

from booking import create_app
from booking.config import ConfigError


def _create_app(*args: Any) -> Flask:
    return create_app()


def main() -> None:
    """Entry point of the ``safnama`` console script: one clear line, no traceback, on a configuration error."""
    group = FlaskGroup(create_app=_create_app, help="Safnama: queue-aware booking for e-judicial services offices.")
    try:
        group.main(standalone_mode=True)
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
