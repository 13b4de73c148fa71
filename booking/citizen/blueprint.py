"""The blueprint of :mod:`booking.citizen`; the views register their routes on it."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("citizen", __name__)
