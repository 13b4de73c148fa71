"""Demo-only pages: the SMS outbox at ``/dev/outbox`` (registered only when DEMO_MODE is on)."""
from __future__ import annotations

from flask import Blueprint, render_template

from booking import sms

bp = Blueprint("dev", __name__, url_prefix="/dev")


@bp.get("/outbox")
def outbox():
    return render_template("citizen/outbox.html", messages=sms.recent_messages(50))
