"""Safnama's queueing-theory engine: a pure NumPy/SciPy library.

Units everywhere: times in minutes, rates per minute unless a name says per hour.
"""
from __future__ import annotations

from .erlang import SteadyState, erlang_a, erlang_b, erlang_c, steady_state
from .estimate import Visit
from .model import OfficeModel, Wait

__all__ = [
    "OfficeModel",
    "SteadyState",
    "Visit",
    "Wait",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "steady_state",
]
