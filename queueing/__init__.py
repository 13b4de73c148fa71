"""Safnama's queueing-theory engine: a pure NumPy/SciPy library.

Units everywhere: times in minutes, rates per minute unless a name says per hour.
"""
from __future__ import annotations
