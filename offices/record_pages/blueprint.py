"""The blueprint of :mod:`offices.record_pages`; the views register their routes on it."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("records", __name__)
