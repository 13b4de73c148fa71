"""The call policy: the order in which an office calls the citizens waiting, and the window in which a booked
citizen is called before the others.

Kept apart from the queue operations (:mod:`offices.queue_ops`, which call by it) so that the live load
(:mod:`offices.live`) and the forecast (:mod:`offices.forecast`) read the same windows without importing the
operations.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app, has_app_context

from offices.models import TicketKind

# A booked citizen is called first from this long before their slot starts until this long after (the
# defaults of QUEUE_EARLY_GRACE_MINUTES and QUEUE_LATE_GRACE_MINUTES: see grace_windows).
EARLY_GRACE = dt.timedelta(minutes=15)
LATE_GRACE = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Candidate:
    """What the call policy needs to know about a waiting ticket."""

    ticket_id: int
    kind: str
    arrived_at: dt.datetime
    slot_start: dt.datetime | None = None
    present: bool = True  # False: a remote ticket whose holder is not at the office yet (not callable)


def grace_windows() -> tuple[dt.timedelta, dt.timedelta]:
    """How long before and after their slot's start a booked citizen is called first: the application's
    ``QUEUE_EARLY_GRACE_MINUTES`` and ``QUEUE_LATE_GRACE_MINUTES`` (15 each by default)."""
    if not has_app_context():
        return EARLY_GRACE, LATE_GRACE
    config = current_app.config
    return (dt.timedelta(minutes=float(config.get("QUEUE_EARLY_GRACE_MINUTES", 15))),
            dt.timedelta(minutes=float(config.get("QUEUE_LATE_GRACE_MINUTES", 15))))


def in_grace_window(slot_start: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a booked citizen's slot starts within [now - late window, now + early window]."""
    early, late = grace_windows()
    return slot_start is not None and slot_start - early <= now <= slot_start + late


def call_order(candidates: Sequence[Candidate], now: dt.datetime) -> list[Candidate]:
    """The order in which waiting citizens are called: the office's documented policy.

    1. Booked citizens inside their slot's grace window (from :data:`EARLY_GRACE` before the slot starts to
       :data:`LATE_GRACE` after), earliest slot first, then earliest arrival.
    2. Everyone else (walk-ins, remote tickets, and booked citizens who came too early or too late), by
       arrival: a remote ticket (:mod:`booking.remote_queue`) by the time it joined the line from home.

    A remote ticket keeps its place while its holder is on the way, but is called only once they are at the
    office (:attr:`Candidate.present`): :func:`offices.queue_ops.call_next` passes over it until then.

    Ties are broken by ticket id, so the order is total and stable.
    """
    def key(c: Candidate) -> tuple:
        if c.kind == TicketKind.BOOKED.value and in_grace_window(c.slot_start, now):
            return (0, c.slot_start, c.arrived_at, c.ticket_id)
        return (1, c.arrived_at, c.arrived_at, c.ticket_id)

    return sorted(candidates, key=key)
