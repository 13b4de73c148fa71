"""The blueprints of :mod:`offices.dashboard`; the views register their routes on them."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
public_bp = Blueprint("complaints", __name__, url_prefix="/complaints")
