"""Estimation of an office's queueing parameters from its event log.

Units: times in minutes, rates per minute unless a name says per hour.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Visit:
    """One citizen's visit, as recorded by the office's ticketing system.

    Attributes:
        arrive: minute the ticket was taken (minutes since the opening of day 0;
            day ``d`` opens at minute ``d * 1440``).
        start: minute service started, or ``None`` if the citizen left unserved.
        end: minute service ended, or ``None`` if the citizen left unserved.
        service: optional service type (e.g. ``"notarise"``), used to fit the
            service-time mean and CV per type.
    """

    arrive: float
    start: float | None
    end: float | None
    service: str | None = None
