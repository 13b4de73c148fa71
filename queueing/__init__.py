"""Safnama's queueing-theory engine: a pure NumPy/SciPy library.

Units everywhere: times in minutes, rates per minute unless a name says per hour.
"""
from __future__ import annotations

from .erlang import SteadyState, erlang_a, erlang_b, erlang_c, steady_state
from .estimate import FitSummary, ServiceFit, Visit, fit_office
from .model import OfficeModel, Wait
from .simulate import Simulation, simulate_office

__all__ = [
    "FitSummary",
    "OfficeModel",
    "ServiceFit",
    "Simulation",
    "SteadyState",
    "Visit",
    "Wait",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "fit_office",
    "simulate_office",
    "steady_state",
]
