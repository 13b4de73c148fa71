"""Demo data: Iran's geography, a seeded network of offices and their synthetic queue history.

``init_app(app)`` registers the ``seed-demo`` command on ``app.cli``.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the ``flask seed-demo`` command."""
    from offices.demo.command import seed_demo_command

    app.cli.add_command(seed_demo_command)
