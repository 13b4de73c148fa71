"""The blueprint of :mod:`booking.survey`; the views register their routes on it."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("survey", __name__)
