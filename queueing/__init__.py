"""Safnama's queueing-theory engine: a pure NumPy/SciPy library.

Units everywhere: times in minutes, rates per minute unless a name says per hour.
"""
from __future__ import annotations

from .city import City, CityResult, OfficePlan, plan_offices, simulate_city
from .erlang import SteadyState, erlang_a, erlang_b, erlang_c, steady_state
from .estimate import FitSummary, ServiceFit, Visit, fit_office
from .model import OfficeModel, Wait
from .ranking import Explanation, Ranking, haversine_km, rank_offices, travel_minutes
from .recommender import EnRoute, OfficeState, Recommendation, recommend
from .remote import CallForecast, call_forecast
from .simulate import Simulation, simulate_office
from .staffing import counters_needed

__all__ = [
    "CallForecast",
    "City",
    "CityResult",
    "EnRoute",
    "Explanation",
    "FitSummary",
    "OfficeModel",
    "OfficePlan",
    "OfficeState",
    "Ranking",
    "Recommendation",
    "ServiceFit",
    "Simulation",
    "SteadyState",
    "Visit",
    "Wait",
    "call_forecast",
    "counters_needed",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "fit_office",
    "haversine_km",
    "plan_offices",
    "rank_offices",
    "recommend",
    "simulate_city",
    "simulate_office",
    "steady_state",
    "travel_minutes",
]
