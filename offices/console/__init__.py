"""The operator console (``console`` blueprint): today's board, queue actions, counters, the lobby display."""
from __future__ import annotations

from offices.console.blueprint import bp
from offices.console import routes  # noqa: F401  (registers its routes)

__all__ = ["bp"]
