"""Citizens' pages: find an office, the recommendation, office page, booking, tickets, my appointments."""
from __future__ import annotations

from booking.citizen.blueprint import bp
from booking.citizen import views  # noqa: F401  (registers its routes)

__all__ = ["bp"]
