"""The supervisors' dashboard: KPIs from office to nation, heatmaps, what-if staffing and complaints.

Two blueprints: ``dashboard`` (supervisors, under ``/dashboard``) and ``complaints`` (the public complaint
form and status page).
"""
from __future__ import annotations

from offices.dashboard.blueprint import bp, public_bp
from offices.dashboard import public_views  # noqa: F401  (registers its routes)
from offices.dashboard import views  # noqa: F401  (registers its routes)

__all__ = ["bp", "public_bp"]
