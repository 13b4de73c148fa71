"""The blueprint of :mod:`offices.planning`; the views register their routes on it."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("planning", __name__, url_prefix="/planning")
