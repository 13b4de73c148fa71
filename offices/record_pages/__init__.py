"""Public record pages: each office's record for the last 30 days and a city's league table by median wait.

The figures come from :mod:`offices.records`; these views only parse, look up and render.
"""
from __future__ import annotations

from offices.record_pages.blueprint import bp
from offices.record_pages import views  # noqa: F401  (registers its routes)

__all__ = ["bp"]
