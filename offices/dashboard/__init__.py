"""The supervisors' dashboard: KPIs from office to nation, heatmaps, what-if staffing and complaints.

Two blueprints: ``dashboard`` (supervisors, under ``/dashboard``) and ``complaints`` (the public complaint
form and status page).
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
public_bp = Blueprint("complaints", __name__, url_prefix="/complaints")

from offices.dashboard import public_views, views  # noqa: F401  (registers the routes)

__all__ = ["bp", "public_bp"]
