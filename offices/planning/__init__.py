"""Where new offices and counters are needed (supervisors): a city's office plan, simulated in the background.

The service functions are in :mod:`offices.planning.service`; the SVG map in :mod:`offices.planning.maps`.
"""
from __future__ import annotations

from offices.planning.blueprint import bp
from offices.planning import views  # noqa: F401  (registers its routes)

__all__ = ["bp"]
