"""Benchmarks run by `python manage.py benchmark NAME`: each returns rows of measured figures."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    what: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None  # None: a baseline or a figure without a target
